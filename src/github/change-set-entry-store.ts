/**
 * What the change-set operations record of GitHub's answers on their `change_set_entries` row:
 * the issue they created, the steps GitHub has (`progress`), what an edited issue had before.
 * Each is one statement (a jsonb merge), so two operations on one entry never lose each
 * other's step; each marks the project due, whose reconcile takes the change set further.
 */
import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { changeSetEntries, changeSets } from "../db/schema.js";
import { markReconcileDue } from "../db/reconcile-due.js";
import type { IssueFacts } from "../core/issue-facts.js";

export interface EntryRow {
  id: string;
  issueNumber: number | null;
  previousState: string | null;
  projectId: string | null;
}

export async function loadEntry(db: Db, entryId: string): Promise<EntryRow | undefined> {
  const [row] = await db
    .select({ id: changeSetEntries.id, issueNumber: changeSetEntries.issueNumber, previousState: changeSetEntries.previousState, projectId: changeSets.projectId })
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
  await db.update(changeSetEntries).set({ previousState: JSON.stringify(previous) }).where(eq(changeSetEntries.id, entry.id));
}
