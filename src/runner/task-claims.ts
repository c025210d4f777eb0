/**
 * How runners share tasks through the database. A claim takes the most urgent ready task
 * (`FOR UPDATE SKIP LOCKED`: two runners never take the same one), bumps its attempt and gives
 * the claimer a lease; the claimer renews the lease while its agent runs. Every write about the
 * run afterwards is fenced by (task, attempt, runner): a runner whose lease expired and whose
 * task was reclaimed changes nothing with its late result.
 */
import { and, eq, lt, ne, sql } from "drizzle-orm";
import type { Db, DbOrTx, Tx } from "../db/client.js";
import { tasks } from "../db/schema.js";
import { fenceWhere, reclaimedFrom, type Fence, type TaskRow } from "../db/task-fence.js";
import { PERSON_CHECKPOINT_TYPES } from "../core/checkpoints.js";

export const LEASE_SECONDS = 60;

/**
 * The most urgent ready task, without taking it: its id and project, so that the claim can take
 * the project's lock BEFORE the task's row lock (`claimTask`), in the order every command takes
 * them (`core/commands/project-transaction.ts`). Taking the row first and the project second
 * deadlocks against a command doing the reverse. Decision and human-action checkpoints are never
 * claimed: no agent runs on them. Order: priority, then the longest chain of work waiting on the
 * task, then its order, then age.
 */
export async function nextReadyTask(tx: Tx): Promise<{ id: string; projectId: string } | undefined> {
  const rows = await tx.execute<{ id: string; project_id: string }>(sql`
    select t.id, t.project_id from tasks t
    join projects p on p.id = t.project_id
    where ${claimable}
    order by t.priority desc, t.critical_path desc, t."order", t.created_at, t.id
    limit 1`);
  const row = rowsOf<{ id: string; project_id: string }>(rows)[0];
  return row ? { id: row.id, projectId: row.project_id } : undefined;
}

/**
 * Claims the task `nextReadyTask` found, under its project's lock (the caller holds it): still
 * ready (another runner may have taken it meanwhile: then undefined), its row locked with SKIP
 * LOCKED, its attempt bumped, a lease given to this runner. It honours the repository's agent
 * limit from its config.
 */
export async function claimTask(tx: Tx, id: string, runnerId: string): Promise<TaskRow | undefined> {
  const rows = await tx.execute<{ id: string }>(sql`
    select t.id from tasks t
    join projects p on p.id = t.project_id
    where t.id = ${id} and ${claimable}
    for update of t skip locked`);
  if (!rowsOf<{ id: string }>(rows)[0]) return undefined;
  const [task] = await tx
    .update(tasks)
    .set({
      status: "in_progress",
      attempt: sql`${tasks.attempt} + 1`,
      claimedBy: runnerId,
      leaseExpiresAt: sql`now() + make_interval(secs => ${LEASE_SECONDS})`,
    })
    .where(and(eq(tasks.id, id), eq(tasks.status, "pending")))
    .returning();
  return task;
}

const claimable = sql`t.status = 'pending'
      and t.type::text not in (${sql.join(
        PERSON_CHECKPOINT_TYPES.map((type) => sql`${type}`),
        sql`, `,
      )})
      and p.installed
      and (t.run_after is null or t.run_after <= now())
      -- One refine of a pull request at a time: each starts from the head the one before pushed.
      and (t.pull_request_id is null or not exists (
        select 1 from tasks o where o.pull_request_id = t.pull_request_id and o.id <> t.id and o.status = 'in_progress'))
      and (
        (p.config ->> 'maxConcurrentAgents') is null
        or (select count(*) from tasks r where r.project_id = t.project_id and r.status = 'in_progress' and r.claimed_by is not null)
           < (p.config ->> 'maxConcurrentAgents')::int
      )`;

/**
 * Whether another refine of the same pull request is in progress. The claim query leaves such a
 * refine alone, but two runners claiming at the same moment cannot see each other's claim; the
 * second to take the project's lock sees the first's and gives its claim back.
 */
export async function anotherRefineAtWork(tx: Tx, task: TaskRow): Promise<boolean> {
  if (!task.pullRequestId) return false;
  const [other] = await tx
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.pullRequestId, task.pullRequestId), ne(tasks.id, task.id), eq(tasks.status, "in_progress")))
    .limit(1);
  return other !== undefined;
}

/** Renews the lease; false when the run is no longer ours (stopped, reclaimed, finished). */
export async function renewLease(db: DbOrTx, fence: Fence): Promise<boolean> {
  const rows = await db
    .update(tasks)
    .set({ leaseExpiresAt: sql`now() + make_interval(secs => ${LEASE_SECONDS})` })
    .where(and(fenceWhere(fence), eq(tasks.status, "in_progress")))
    .returning({ id: tasks.id });
  return rows.length > 0;
}

/**
 * Tasks whose runner stopped renewing its lease (the process died, the host vanished): back to
 * ready, so another runner takes them; the attempt count moves on at the next claim, which
 * fences out the old runner should it come back.
 */
export async function reclaimExpiredLeases(db: Db): Promise<TaskRow[]> {
  return (
    db
      .update(tasks)
      // The claim names the runner it was taken from: that runner's late finish still counts
      // until another claim moves the attempt on (`lateFenceWhere`).
      .set({ status: "pending", claimedBy: sql`${reclaimedFrom("")} || ${tasks.claimedBy}`, leaseExpiresAt: null })
      .where(and(eq(tasks.status, "in_progress"), lt(tasks.leaseExpiresAt, sql`now()`)))
      .returning()
  );
}

function rowsOf<T>(result: unknown): T[] {
  // postgres.js returns an array; PGlite returns { rows }.
  return Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []);
}
