/**
 * One transaction per command, taking turns per project. The reconcile reads all of a project's
 * tasks and records the status label each issue should carry; a command interleaving with it
 * would let the one that read first (and committed last) replace newer intents with stale ones.
 * Taking the project's lock before any read or write closes that, and taking it first (before
 * any row lock) keeps it deadlock-free. Other projects a command touches (a blocker in another
 * repository) are marked due after it commits (mark-others-due.ts), so no transaction ever holds
 * two project locks.
 */
import { sql } from "drizzle-orm";
import type { Db, Tx } from "../../db/client.js";
import { sqlStatement } from "../../db/prepared.js";
import { heldLockOf, holdLock, settleSent } from "../../db/held-lock.js";
import { markHeldPlanDue } from "../../db/reconcile-due.js";

/** The advisory lock class of "one project's tasks" ("cwpr"); the project id is hashed into the second key. */
const PROJECT_LOCK_CLASS = 0x63777072;

export function lockProject(tx: Tx, projectId: string): Promise<void> {
  // Issued before this returns, so statements issued after it run after it (same connection).
  return lock(tx, { projectId });
}

// Every command takes one: built once (see db/prepared.ts).
const lock = sqlStatement<{ projectId: string }>(
  "lock_project",
  () => sql`select pg_advisory_xact_lock(${PROJECT_LOCK_CLASS}::int, hashtext(${sql.placeholder("projectId")}::text))`,
);

export function projectTransaction<T>(db: Db, projectId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const held = heldLockOf(db);
  if (held) {
    // Inside a batch that holds the project's lock already: the command is part of it.
    if (held.projectId === projectId) return fn(db as unknown as Tx);
    // Never a second project's lock in one transaction (see above); the batch is retried
    // one delivery at a time, where this command gets a transaction of its own.
    return Promise.reject(new Error(`a batch holding project ${held.projectId}'s lock cannot take project ${projectId}'s`));
  }
  return db.transaction((tx) => lockedThen(tx, projectId, fn));
}

/**
 * Takes the project's lock, then runs `fn`. The lock and fn's first statements go out together
 * (one round trip, not two): the connection runs them in the order they were sent, so each of
 * fn's statements still starts, and takes its snapshot, only once the lock is held.
 */
async function lockedThen<T>(tx: Tx, projectId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const [, result] = await Promise.all([lockProject(tx, projectId), fn(tx)]);
  return result;
}

/**
 * Runs `fn` in one transaction that takes the project's lock first and keeps it to the end: the
 * commands `fn` runs (projectTransaction) are part of it rather than transactions of their own.
 * The processor handles a repository's batch of deliveries this way: one lock, one commit.
 * The reconcile its commands owe the project is marked once, at the end (db/held-lock.ts).
 * Resolves with `fn`'s result and, once committed, the other projects its commands affected.
 */
export async function holdingProjectLock<T>(db: Db, projectId: string, fn: (tx: Tx) => Promise<T>): Promise<{ result: T; othersDue: string[] }> {
  let othersDue: Set<string> | undefined;
  const result = await db.transaction(async (tx) => {
    othersDue = holdLock(tx, projectId).othersDue;
    let value: T;
    try {
      value = await lockedThen(tx, projectId, fn);
    } catch (error) {
      // A statement sent without waiting that failed first is why later ones failed.
      await settleSent(tx);
      throw error;
    }
    await Promise.all([settleSent(tx), markHeldPlanDue(tx)]);
    return value;
  });
  return { result, othersDue: [...(othersDue ?? [])] };
}
