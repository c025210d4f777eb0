/**
 * A transaction that holds one project's lock from its first statement to its end: the
 * processor's batch of a repository's deliveries (core/commands/project-transaction.ts,
 * `holdingProjectLock`). What its commands owe beyond their own statements is gathered here and
 * made once: the project's reconcile mark just before the commit, other projects' marks after it.
 */
export interface HeldLock {
  projectId: string;
  /** Other projects its commands affected: marked due once it has committed (mark-others-due.ts). */
  othersDue: Set<string>;
  /** Its commands owe the project a `plan` reconcile: marked once, before the commit (reconcile-due.ts). */
  planDue: boolean;
}

const heldLocks = new WeakMap<object, HeldLock>();

/** The lock `db` holds for its whole life, when it is such a transaction. */
export function heldLockOf(db: object): HeldLock | undefined {
  return heldLocks.get(db);
}

/** Records that `tx` holds `projectId`'s lock for its whole life. */
export function holdLock(tx: object, projectId: string): HeldLock {
  const held: HeldLock = { projectId, othersDue: new Set(), planDue: false };
  heldLocks.set(tx, held);
  return held;
}
