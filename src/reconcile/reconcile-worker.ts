/**
 * The reconcile worker: claims `plan` rows (db/reconcile-due.ts) and converges each project from
 * stored state (core/commands/reconcile-project.ts), as one transaction under the project's
 * lock. It is woken by NOTIFY when a row is new, and polls as a safety net (rows from other
 * processes, rows whose worker died). What was owed is settled in the same transaction, unless
 * a mark came after the one it saw: then the row stays due and runs again.
 */
import type { Database } from "../db/client.js";
import { PLAN_SCOPE, dueGeneration, settleReconcile } from "../db/reconcile-due.js";
import { projectTransaction } from "../core/commands/project-transaction.js";
import { reconcileProject } from "../core/commands/reconcile-project.js";
import type { Logger } from "../logger.js";
import { WorkerLoop } from "../lib/worker-loop.js";
import { claimReconcile, failReconcile, nextDue, type ReconcileRow } from "./reconcile-queue.js";

export interface ReconcileWorkerOptions {
  database: Database;
  log: Logger;
  concurrency?: number;
  pollMs?: number;
  /** After a reconcile committed (it may have recorded GitHub writes). */
  onReconciled?: () => void;
  /** Awaited before each claim (on PGlite: the intake goes first). */
  turn?: () => Promise<void>;
}

export function createReconcileWorker(options: ReconcileWorkerOptions): WorkerLoop<ReconcileRow> {
  const { database, log } = options;
  let timer: NodeJS.Timeout | undefined;
  /** Nothing due now: wake when the next mark falls due (marks wait PLAN_DELAY_MS to coalesce). */
  async function wakeWhenDue(): Promise<undefined> {
    const at = await nextDue(database, PLAN_SCOPE);
    if (at && !timer) {
      timer = setTimeout(
        () => {
          timer = undefined;
          loop.wake();
        },
        Math.max(0, at.getTime() - Date.now()) + 5,
      );
      timer.unref();
    }
    return undefined;
  }
  const loop = new WorkerLoop<ReconcileRow>({
    name: "reconcile",
    concurrency: options.concurrency ?? (database.driver === "pglite" ? 1 : 2),
    pollMs: options.pollMs ?? 5_000,
    log,
    ...(options.turn ? { turn: options.turn } : {}),
    // A plan reconcile takes well under a second; a dead worker's row is taken again after a minute.
    claim: async () => (await claimReconcile(database, [PLAN_SCOPE], 60)) ?? wakeWhenDue(),
    claimForDrain: () => claimReconcile(database, [PLAN_SCOPE], 60, "owed"),
    async handle(row) {
      try {
        await projectTransaction(database.db, row.projectId, async (tx) => {
          // Read under the project's lock: every mark before it is in this reconcile's snapshot.
          const generation = await dueGeneration(tx, row.projectId, PLAN_SCOPE);
          await reconcileProject(tx, row.projectId);
          await settleReconcile(tx, row, generation);
        });
        options.onReconciled?.();
      } catch (error) {
        // A reconcile that fails is a bug or an outage: loud, and tried again after a backoff.
        log.error({ err: error, project: row.projectId, attempts: row.attempts }, "reconcile failed; it will run again");
        await failReconcile(database, row, describeError(error));
      }
    },
  });
  return loop;
}

/** The error and its causes (drizzle wraps the database's message in a "Failed query" error). */
function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    parts.push(e instanceof Error ? (depth === 0 ? (e.stack ?? e.message) : e.message) : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join("\ncaused by: ");
}
