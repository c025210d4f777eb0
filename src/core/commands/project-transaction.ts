/**
 * One transaction per command, taking turns per project. Every command that ends in
 * reconcileTasks reads all of a project's tasks and records the status label each issue should
 * carry; two such transactions interleaving would let the one that read first (and committed
 * last) replace the newer intents with its stale ones. Taking the project's lock before any read
 * or write closes that, and taking it first (before any row lock) keeps it deadlock-free.
 * Other projects a command touches (a blocker in another repository) get their own transaction
 * afterwards, so no transaction ever holds two project locks.
 */
import { sql } from "drizzle-orm";
import type { Db, Tx } from "../../db/client.js";

/** The advisory lock class of "one project's tasks" ("cwpr"); the project id is hashed into the second key. */
const PROJECT_LOCK_CLASS = 0x63777072;

export async function lockProject(tx: Tx, projectId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${PROJECT_LOCK_CLASS}::int, hashtext(${projectId}::text))`);
}

export function projectTransaction<T>(db: Db, projectId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await lockProject(tx, projectId);
    return fn(tx);
  });
}

/** Converges other projects a command affected, each in its own turn. */
export async function reconcileOthers(db: Db, projectIds: Iterable<string>, except: string): Promise<void> {
  const { reconcileTasks } = await import("./reconcile-tasks.js");
  for (const projectId of new Set(projectIds)) {
    if (projectId !== except) await projectTransaction(db, projectId, (tx) => reconcileTasks(tx, projectId));
  }
}
