/**
 * What is stored about an issue that a sync reads first (sync-issue.ts): its milestone's
 * initiative, its phase, its task, and the issue it is a sub-issue of. One statement, not four:
 * each is an index lookup, and on PostgreSQL a statement's own cost (its messages, its
 * execution's start and end, on both sides) is most of what such a lookup costs. Built once
 * (see db/prepared.ts): it runs on every issue event.
 */
import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { statement } from "../../db/prepared.js";
import { initiatives, issueLinks, phases, projects, tasks } from "../../db/schema.js";
import { MIRRORED, type InitiativeMirror } from "./sync-initiative.js";

export interface StoredIssue {
  initiative: InitiativeMirror | undefined;
  phase: { id: string; labels: string[] } | undefined;
  task: Pick<typeof tasks.$inferSelect, "id" | "status" | "labels"> | undefined;
  /** The number of the issue this one is a sub-issue of, in the same repository. */
  parentNumber: number | null;
}

export async function storedIssue(
  tx: DbOrTx,
  project: { id: string; name: string },
  issueNumber: number,
  milestoneNumber: number | undefined,
): Promise<StoredIssue> {
  const [row] = await selectStoredIssue(tx, {
    projectId: project.id,
    issueNumber,
    // No milestone: matches no initiative (a comparison with null is never true).
    milestoneNumber: milestoneNumber ?? null,
    repo: project.name.toLowerCase(),
  });
  if (!row) throw new Error(`project ${project.id} is not stored`);
  return { initiative: row.initiative ?? undefined, phase: row.phase ?? undefined, task: row.task ?? undefined, parentNumber: row.parentNumber };
}

const placeholder = {
  projectId: sql.placeholder("projectId"),
  issueNumber: sql.placeholder("issueNumber"),
  milestoneNumber: sql.placeholder("milestoneNumber"),
  repo: sql.placeholder("repo"),
};

// The project's row anchors the statement: it is there whatever else is missing.
const selectStoredIssue = statement<
  { projectId: string; issueNumber: number; milestoneNumber: number | null; repo: string },
  {
    initiative: InitiativeMirror | null;
    phase: NonNullable<StoredIssue["phase"]> | null;
    task: NonNullable<StoredIssue["task"]> | null;
    parentNumber: number | null;
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
    })
    .from(projects)
    .leftJoin(initiatives, and(eq(initiatives.projectId, projects.id), eq(initiatives.milestoneNumber, placeholder.milestoneNumber)))
    .leftJoin(phases, and(eq(phases.projectId, projects.id), eq(phases.issueNumber, placeholder.issueNumber)))
    .leftJoin(tasks, and(eq(tasks.projectId, projects.id), eq(tasks.issueNumber, placeholder.issueNumber)))
    .where(eq(projects.id, placeholder.projectId)),
);
