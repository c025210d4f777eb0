/**
 * What is stored about an issue that a sync reads first (sync-issue.ts): its milestone's
 * initiative, its phase, its task, the issue it is a sub-issue of, and whether any link to it
 * (from any repository) is behind its state. One statement, not five:
 * each is an index lookup, and on PostgreSQL a statement's own cost (its messages, its
 * execution's start and end, on both sides) is most of what such a lookup costs. Built once
 * (see db/prepared.ts): it runs on every issue event.
 */
import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { statement } from "../../db/prepared.js";
import type { LinkState } from "../../db/issue-links.js";
import { initiatives, issueLinks, phases, projects, tasks } from "../../db/schema.js";
import { MIRRORED, type InitiativeMirror } from "./sync-initiative.js";

export interface StoredIssue {
  initiative: InitiativeMirror | undefined;
  phase: { id: string; labels: string[] } | undefined;
  task: Pick<typeof tasks.$inferSelect, "id" | "status" | "labels"> | undefined;
  /** The number of the issue this one is a sub-issue of, in the same repository. */
  parentNumber: number | null;
  /**
   * Some link to the issue does not know its state (`state`) as GitHub gives it: markLinkTargets
   * has something to write. Most events change no issue's state, and then it has nothing.
   */
  linksBehind: boolean;
}

export async function storedIssue(
  tx: DbOrTx,
  project: { id: string; name: string },
  issue: { number: number; state: LinkState; milestoneNumber: number | undefined },
): Promise<StoredIssue> {
  const [row] = await selectStoredIssue(tx, {
    projectId: project.id,
    issueNumber: issue.number,
    state: issue.state,
    // No milestone: matches no initiative (a comparison with null is never true).
    milestoneNumber: issue.milestoneNumber ?? null,
    repo: project.name.toLowerCase(),
  });
  if (!row) throw new Error(`project ${project.id} is not stored`);
  return {
    initiative: row.initiative ?? undefined,
    phase: row.phase ?? undefined,
    task: row.task ?? undefined,
    parentNumber: row.parentNumber,
    linksBehind: row.linksBehind,
  };
}

const placeholder = {
  projectId: sql.placeholder("projectId"),
  issueNumber: sql.placeholder("issueNumber"),
  milestoneNumber: sql.placeholder("milestoneNumber"),
  repo: sql.placeholder("repo"),
  state: sql.placeholder("state"),
};

// The project's row anchors the statement: it is there whatever else is missing.
const selectStoredIssue = statement<
  { projectId: string; issueNumber: number; state: LinkState; milestoneNumber: number | null; repo: string },
  {
    initiative: InitiativeMirror | null;
    phase: NonNullable<StoredIssue["phase"]> | null;
    task: NonNullable<StoredIssue["task"]> | null;
    parentNumber: number | null;
    linksBehind: boolean;
  }[]
>("stored_issue", (db) =>
  db
    .select({
      initiative: MIRRORED,
      phase: { id: phases.id, labels: phases.labels },
      task: { id: tasks.id, status: tasks.status, labels: tasks.labels },
      parentNumber: sql<number | null>`(
        select ${issueLinks.fromNumber} from ${issueLinks}
        where ${issueLinks.projectId} = ${projects.id} and ${issueLinks.kind} = 'sub_issue'
          and lower(${issueLinks.toRepo}) = ${placeholder.repo} and ${issueLinks.toNumber} = ${placeholder.issueNumber}
        limit 1)`,
      // markLinkTargets' condition (db/issue-links.ts), read.
      linksBehind: sql<boolean>`exists(
        select 1 from ${issueLinks}
        where lower(${issueLinks.toRepo}) = ${placeholder.repo} and ${issueLinks.toNumber} = ${placeholder.issueNumber}
          and (${issueLinks.toState} <> ${placeholder.state} or not ${issueLinks.verified}))`,
    })
    .from(projects)
    .leftJoin(initiatives, and(eq(initiatives.projectId, projects.id), eq(initiatives.milestoneNumber, placeholder.milestoneNumber)))
    .leftJoin(phases, and(eq(phases.projectId, projects.id), eq(phases.issueNumber, placeholder.issueNumber)))
    .leftJoin(tasks, and(eq(tasks.projectId, projects.id), eq(tasks.issueNumber, placeholder.issueNumber)))
    .where(eq(projects.id, placeholder.projectId)),
);
