/**
 * A transaction that holds one project's lock from its first statement to its end: the
 * processor's batch of a repository's deliveries (core/commands/project-transaction.ts,
 * `holdingProjectLock`). What its commands owe beyond their own statements is gathered here and
 * made once: the project's reconcile mark just before the commit, other projects' marks after it.
 * And statements whose answers nobody waits for are sent, not waited for (sendWithoutWaiting).
 */
export interface HeldLock {
  projectId: string;
  /** Other projects its commands affected: marked due once it has committed (mark-others-due.ts). */
  othersDue: Set<string>;
  /** Its commands owe the project a `plan` reconcile: marked once, before the commit (reconcile-due.ts). */
  planDue: boolean;
  /** Statements sent and not waited for (sendWithoutWaiting): each settles before the commit. */
  sent: Promise<void>[];
  /** The first of them that failed: the transaction is lost, and this is why. */
  failure?: { error: unknown };
}

const heldLocks = new WeakMap<object, HeldLock>();

/** The lock `db` holds for its whole life, when it is such a transaction. */
export function heldLockOf(db: object): HeldLock | undefined {
  return heldLocks.get(db);
}

/** Records that `tx` holds `projectId`'s lock for its whole life. */
export function holdLock(tx: object, projectId: string): HeldLock {
  const held: HeldLock = { projectId, othersDue: new Set(), planDue: false, sent: [] };
  heldLocks.set(tx, held);
  return held;
}

/**
 * `work`'s statements, all sent already, whose answers nobody waits for. In such a transaction
 * they are not waited for now: the statements sent next (the next delivery's, in a batch) go
 * out with them, one round trip rather than two, and run after them on the same connection, so
 * they see what these wrote. They settle before the commit (settleSent); the first failure
 * fails the transaction, as it would have at once. Anywhere else they are waited for here.
 */
export async function sendWithoutWaiting(tx: object, work: Promise<unknown>): Promise<void> {
  const held = heldLockOf(tx);
  if (!held) {
    await work;
    return;
  }
  held.sent.push(
    work.then(
      () => {},
      (error: unknown) => {
        held.failure ??= { error };
      },
    ),
  );
}

/** Waits for the statements `tx` sent without waiting; throws the first failure among them. */
export async function settleSent(tx: object): Promise<void> {
  const held = heldLockOf(tx);
  if (!held) return;
  await Promise.all(held.sent);
  held.sent = [];
  if (held.failure) throw held.failure.error;
}
