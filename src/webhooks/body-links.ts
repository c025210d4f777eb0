/**
 * The `Depends on #N` / `Blocked by #N` lines of an issue body, as the issues they name (the
 * issue itself left out). What is known of each is found where they are stored
 * (replaceBodyLinks in db/issue-links.ts), in the same statement: reading nothing here keeps a
 * burst of edits to one round trip each.
 */
import { parseDependencyRefs } from "../core/dependency-refs.js";
import type { IssueFacts } from "../core/issue-facts.js";
import type { BodyRef } from "../db/issue-links.js";

export function bodyRefsOf(project: { name: string }, issue: Pick<IssueFacts, "number" | "body">): BodyRef[] {
  const [owner = "", repo = ""] = project.name.split("/");
  return parseDependencyRefs(issue.body, { owner, repo })
    .filter((r) => !(sameRepo(r, project.name) && r.number === issue.number))
    .map((r) => ({ toRepo: `${r.owner}/${r.repo}`, toNumber: r.number }));
}

function sameRepo(ref: { owner: string; repo: string }, fullName: string): boolean {
  return `${ref.owner}/${ref.repo}`.toLowerCase() === fullName.toLowerCase();
}
