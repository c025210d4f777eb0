/**
 * What the change-set operations record of GitHub's answers on their `change_set_entries` row:
 * the issue they created, the steps GitHub has (`progress`), what an edited issue had before.
 * Each is one statement (a jsonb merge), so two operations on one entry never lose each
 * other's step; each marks the project due, whose reconcile takes the change set further (or,
 * after a write GitHub refused for good, ends it as failed).
 */
import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { changeSetEntries, changeSets } from "../db/schema.js";
import { markReconcileDue } from "../db/reconcile-due.js";
import type { IssueFacts } from "../core/issue-facts.js";
import type { ChangeSetStatus } from "../core/statuses.js";
import type { CreatePlannedIssueIntent, EditIssueIntent, IssueDependencyIntent, SubIssueIntent } from "../core/intents.js";

export interface EntryRow {
  id: string;
  issueNumber: number | null;
  previousState: string | null;
  projectId: string | null;
  /** Its change set's status: only an `applying` one is carried further. */
  status: ChangeSetStatus;
}

export async function loadEntry(db: Db, entryId: string): Promise<EntryRow | undefined> {
  const [row] = await db
    .select({
      id: changeSetEntries.id,
      issueNumber: changeSetEntries.issueNumber,
      previousState: changeSetEntries.previousState,
      projectId: changeSets.projectId,
      status: changeSets.status,
    })
    .from(changeSetEntries)
    .innerJoin(changeSets, eq(changeSets.id, changeSetEntries.changeSetId))
    .where(eq(changeSetEntries.id, entryId));
  return row;
}

/** The issue GitHub created for the entry, as GitHub answered it. */
export async function recordCreated(db: Db, entry: EntryRow, facts: IssueFacts): Promise<void> {
  await db
    .update(changeSetEntries)
    .set({ issueNumber: facts.number, issueId: facts.id, progress: sql`${changeSetEntries.progress} || ${JSON.stringify({ created: true, facts })}::jsonb` })
    .where(eq(changeSetEntries.id, entry.id));
  if (entry.projectId) await markReconcileDue(db, entry.projectId);
}

/** A step GitHub has: `{ linked: true }`, or an issue number added to a list (`blockedBy`). */
export async function recordStep(db: Db, entry: EntryRow, step: { flag: string; value: boolean } | { list: string; add: number }): Promise<void> {
  const progress =
    "flag" in step
      ? sql`${changeSetEntries.progress} || jsonb_build_object(${step.flag}::text, ${step.value}::boolean)`
      : sql`jsonb_set(${changeSetEntries.progress}, array[${step.list}::text], coalesce(${changeSetEntries.progress} -> ${step.list}::text, '[]'::jsonb) || to_jsonb(${step.add}::int))`;
  await db.update(changeSetEntries).set({ progress }).where(eq(changeSetEntries.id, entry.id));
  if (entry.projectId) await markReconcileDue(db, entry.projectId);
}

export async function recordPrevious(db: Db, entry: EntryRow, previous: { title: string; body: string | null; state: string }): Promise<void> {
  await db
    .update(changeSetEntries)
    .set({ previousState: JSON.stringify(previous) })
    .where(eq(changeSetEntries.id, entry.id));
}

/**
 * GitHub refused one of the entry's writes for good (the outbox kept it as a dead letter): the
 * reconcile then ends its change set as failed, with this reason.
 */
export async function recordFailure(db: Db, intent: ChangeSetWrite, answer: string): Promise<void> {
  const entry = await loadEntry(db, intent.entryId);
  if (!entry) return;
  const reason = `could not ${whatFailed(intent)} (${answer.replace(/\s+/g, " ").trim().slice(0, 300)})`;
  await db
    .update(changeSetEntries)
    .set({ progress: sql`${changeSetEntries.progress} || jsonb_build_object('failed', ${reason}::text)` })
    .where(eq(changeSetEntries.id, entry.id));
  if (entry.projectId) await markReconcileDue(db, entry.projectId);
}

type ChangeSetWrite = CreatePlannedIssueIntent | EditIssueIntent | SubIssueIntent | IssueDependencyIntent;

function whatFailed(intent: ChangeSetWrite): string {
  switch (intent.kind) {
    case "create-planned-issue":
      return "create it";
    case "edit-issue":
      return `${intent.done === "edited" ? "edit" : intent.done === "closed" ? "close" : "restore"} #${intent.issueNumber}`;
    case "sub-issue":
      return intent.add
        ? `make #${intent.childNumber} a sub-issue of #${intent.parentNumber}`
        : `remove #${intent.childNumber} from the sub-issues of #${intent.parentNumber}`;
    case "issue-dependency":
      return `${intent.add ? "mark" : "unmark"} #${intent.issueNumber} as blocked by #${intent.blockerNumber}`;
  }
}
