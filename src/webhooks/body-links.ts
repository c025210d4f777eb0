/**
 * The `Depends on #N` / `Blocked by #N` lines of an issue body, as links. The state of an issue
 * the app already tracks is known; any other reference starts unverified (counted as open) and
 * is confirmed by a webhook about it or by the reconciler's read, so a burst of issues that
 * reference each other costs no reads.
 */
import { and, eq, inArray } from "drizzle-orm";
import { unionAll } from "drizzle-orm/pg-core";
import type { Db } from "../db/client.js";
import { phases, tasks } from "../db/schema.js";
import { parseDependencyRefs } from "../core/dependency-refs.js";
import type { IssueFacts } from "../core/issue-facts.js";
import type { LinkTarget } from "../db/issue-links.js";
import type { Project } from "../core/commands/upsert-project.js";

export async function bodyLinksOf(db: Db, project: Project, issue: IssueFacts): Promise<LinkTarget[]> {
  const [owner = "", repo = ""] = project.name.split("/");
  const refs = parseDependencyRefs(issue.body, { owner, repo }).filter((r) => !(sameRepo(r, project.name) && r.number === issue.number));
  const local = refs.filter((r) => sameRepo(r, project.name)).map((r) => r.number);
  const known = new Map<number, "open" | "closed">();
  if (local.length > 0) {
    const of = (table: typeof tasks | typeof phases) =>
      db
        .select({ n: table.issueNumber, state: table.issueState })
        .from(table)
        .where(and(eq(table.projectId, project.id), inArray(table.issueNumber, local)));
    for (const row of await unionAll(of(tasks), of(phases))) if (row.n !== null) known.set(row.n, row.state);
  }
  return refs.map((r) => {
    const state = sameRepo(r, project.name) ? known.get(r.number) : undefined;
    return {
      toRepo: `${r.owner}/${r.repo}`,
      toNumber: r.number,
      toState: state ?? "open",
      verified: state !== undefined,
    };
  });
}

function sameRepo(ref: { owner: string; repo: string }, fullName: string): boolean {
  return `${ref.owner}/${ref.repo}`.toLowerCase() === fullName.toLowerCase();
}
