/**
 * The fence of a run: every write about a run after its claim names (task, attempt, runner), so
 * that a runner whose lease lapsed and whose task was claimed again changes nothing with its late
 * result. Claims are the runner's business (`runner/task-claims.ts`); the fence is shared with
 * the commands that record a run's end (`core/commands/finish-run.ts`), so it lives with the data.
 */
import { and, eq, or } from "drizzle-orm";
import type { DbOrTx } from "./client.js";
import { tasks } from "./schema.js";

export interface Fence {
  taskId: string;
  attempt: number;
  runnerId: string;
}

export type TaskRow = typeof tasks.$inferSelect;

export function fenceWhere(fence: Fence) {
  return and(eq(tasks.id, fence.taskId), eq(tasks.attempt, fence.attempt), eq(tasks.claimedBy, fence.runnerId));
}

/** How a task taken back from a runner whose lease lapsed names that runner, until it is claimed again. */
export function reclaimedFrom(runnerId: string): string {
  return `reclaimed:${runnerId}`;
}

/**
 * The fence for a run's finish: this runner's claim of this attempt, or the same attempt taken
 * back from it (its lease lapsed while, say, the database was away) and not claimed since — the
 * attempt has not moved, so no other run can have a result to record.
 */
export function lateFenceWhere(fence: Fence) {
  return and(
    eq(tasks.id, fence.taskId),
    eq(tasks.attempt, fence.attempt),
    or(eq(tasks.claimedBy, fence.runnerId), and(eq(tasks.claimedBy, reclaimedFrom(fence.runnerId)), eq(tasks.status, "pending"))),
  );
}

/** Loads the task if the fence still holds. */
export async function fencedTask(db: DbOrTx, fence: Fence): Promise<TaskRow | undefined> {
  const [task] = await db.select().from(tasks).where(fenceWhere(fence)).for("update");
  return task;
}
