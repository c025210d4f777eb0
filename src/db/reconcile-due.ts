/**
 * "A reconcile is owed" is a row (see `reconcile_due` in schema.ts). Marking is one statement in
 * the caller's transaction: the reconcile is owed exactly when the change that owes it commits,
 * and a crash loses neither. Marks of one project coalesce into one row (its generation bumped),
 * so a burst of commands is one reconcile; the worker is woken (NOTIFY) only when a row is new.
 */
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "./client.js";
import { heldLockOf } from "./held-lock.js";
import { sqlStatement, statement } from "./prepared.js";
import { reconcileDue } from "./schema.js";

export const RECONCILE_CHANNEL = "cw_reconcile";

/** Converge the project from stored state: statuses, labels, pull requests, comments. */
export const PLAN_SCOPE = "plan";
/** Read the repository from GitHub (milestones, issues, the app's pull requests). */
export const GITHUB_SCOPE = "github";
/** Read one of the app's pull requests from GitHub (its merge state and head). */
export function pullRequestScope(pullRequestId: string): string {
  return `pull-request:${pullRequestId}`;
}

export type ReconcileScope = string;

/**
 * How long a `plan` mark waits before it is due: marks within it make one reconcile (a burst of
 * events on a repository is one pass, not one per event). A later mark never postpones an
 * earlier one, so no reconcile waits longer than this for its first mark.
 */
export const PLAN_DELAY_MS = 200;

/**
 * During a burst (marks keep coming while the project is being reconciled), the next `plan`
 * reconcile of the project waits this long after the last one settled: a stream of events is a
 * pass a second, not five, while a lone event still waits only PLAN_DELAY_MS. A mark that asks
 * for now (an explicit `dueAt`: a run ended) is not spaced out.
 */
export const PLAN_SPACING_MS = 1_000;

/**
 * Marks `projectIds` due for `scope`, at `dueAt` (default: now, or PLAN_DELAY_MS from now for
 * `plan`). A row already due keeps the earlier time — except that a plain `plan` mark never
 * brings a row forward: the row is owed already, and its time is the spacing after a reconcile
 * or the backoff after a failure, which a burst of events must not undo. Several projects are
 * marked in one statement, in a fixed order.
 *
 * In a batch that holds the project's lock (db/held-lock.ts), the project's own `plan` mark is
 * made once, just before the batch commits (markHeldPlanDue), not once per command: the row
 * and its time come out the same (`now()` is the transaction's start), and it counts only once
 * the batch commits, as each mark would have.
 */
export async function markReconcileDue(tx: DbOrTx, projectIds: string | readonly string[], scope: ReconcileScope = PLAN_SCOPE, dueAt?: Date): Promise<void> {
  const ids = [...new Set(typeof projectIds === "string" ? [projectIds] : projectIds)].sort();
  if (ids.length === 0) return;
  const [only] = ids;
  if (scope === PLAN_SCOPE && dueAt === undefined && ids.length === 1 && only !== undefined) {
    const held = heldLockOf(tx);
    if (held && held.projectId === only) {
      held.planDue = true;
      return;
    }
    // The mark every command makes: built once (see prepared.ts).
    return markPlanDue(tx, { projectId: only });
  }
  const when = dueAt
    ? sql`${dueAt.toISOString()}::timestamptz`
    : scope === PLAN_SCOPE
      ? sql`now() + make_interval(secs => ${PLAN_DELAY_MS / 1000})`
      : sql`now()`;
  const urgent = dueAt !== undefined;
  const values = sql.join(
    ids.map((id) => sql`(${id}, ${scope}, ${when}, ${urgent})`),
    sql`, `,
  );
  const dueAtNow = scope === PLAN_SCOPE && !urgent ? sql`${reconcileDue}.due_at` : sql`least(${reconcileDue}.due_at, excluded.due_at)`;
  await tx.execute(marking(values, dueAtNow));
}

/** The statement that marks: inserts the rows (or bumps their generation), and wakes the worker for a new one. */
function marking(values: SQL, dueAtNow: SQL): SQL {
  return sql`
    with marked as (
      insert into ${reconcileDue} (project_id, scope, due_at, urgent) values ${values}
      on conflict (project_id, scope) do update
        set generation = ${reconcileDue}.generation + 1, due_at = ${dueAtNow}, urgent = ${reconcileDue}.urgent or excluded.urgent
      returning (xmax = 0) as fresh
    )
    select pg_notify(${RECONCILE_CHANNEL}, '') from marked where fresh limit 1`;
}

const markPlanDue = sqlStatement<{ projectId: string }>("mark_plan_due", () =>
  marking(sql`(${sql.placeholder("projectId")}, ${PLAN_SCOPE}, now() + make_interval(secs => ${PLAN_DELAY_MS / 1000}), false)`, sql`${reconcileDue}.due_at`),
);

/** The `plan` mark a batch's commands owe its project (see markReconcileDue), made once before it commits. */
export async function markHeldPlanDue(tx: DbOrTx): Promise<void> {
  const held = heldLockOf(tx);
  if (!held?.planDue) return;
  held.planDue = false;
  await markPlanDue(tx, { projectId: held.projectId });
}

/** The generation of a project's row for `scope` now (read under the project's lock, it cannot move). */
export async function dueGeneration(tx: DbOrTx, projectId: string, scope: string): Promise<number | undefined> {
  const [row] = await selectGeneration(tx, { projectId, scope });
  return row?.generation;
}

const selectGeneration = statement<{ projectId: string; scope: string }, { generation: number }[]>("due_generation", (db) =>
  db
    .select({ generation: reconcileDue.generation })
    .from(reconcileDue)
    .where(and(eq(reconcileDue.projectId, sql.placeholder("projectId")), eq(reconcileDue.scope, sql.placeholder("scope")))),
);

/** Whether the project owes a `plan` reconcile: its row, or a mark its batch holds back (see markReconcileDue). */
export async function planReconcileOwed(tx: DbOrTx, projectId: string): Promise<boolean> {
  const held = heldLockOf(tx);
  if (held?.projectId === projectId && held.planDue) return true;
  return (await dueGeneration(tx, projectId, PLAN_SCOPE)) !== undefined;
}

/**
 * Done with what was owed up to `generation`: the row goes, or (a mark came since) it is let go
 * to run again — a `plan` row PLAN_SPACING_MS later at the soonest, unless a mark asked for now.
 * A `github` row is not removed but scheduled again `repeatAfterMs` later.
 */
export async function settleReconcile(
  tx: DbOrTx,
  row: { projectId: string; scope: string },
  generation: number | undefined,
  repeatAfterMs?: number,
): Promise<void> {
  const key = and(eq(reconcileDue.projectId, row.projectId), eq(reconcileDue.scope, row.scope));
  if (repeatAfterMs !== undefined) {
    await tx
      .update(reconcileDue)
      .set({
        lockedUntil: null,
        attempts: 0,
        lastError: null,
        dueAt:
          generation === undefined
            ? sql`${reconcileDue.dueAt}`
            : sql`case when ${reconcileDue.generation} = ${generation} then now() + make_interval(secs => ${repeatAfterMs / 1000}) else ${reconcileDue.dueAt} end`,
      })
      .where(key);
    return;
  }
  if (generation !== undefined) await tx.delete(reconcileDue).where(and(key, eq(reconcileDue.generation, generation)));
  // Still here: marks came during this reconcile. A `plan` row then waits out the spacing,
  // unless one of them asked for now.
  const spaced =
    row.scope === PLAN_SCOPE
      ? {
          dueAt: sql`case when ${reconcileDue.urgent} then ${reconcileDue.dueAt} else greatest(${reconcileDue.dueAt}, now() + make_interval(secs => ${PLAN_SPACING_MS / 1000})) end`,
        }
      : {};
  await tx
    .update(reconcileDue)
    .set({ lockedUntil: null, attempts: 0, lastError: null, ...spaced })
    .where(key);
}
