/**
 * Other projects a command affected (a blocker in another repository closed) are marked due for
 * a reconcile after the command committed, in a statement of their own: no transaction holds
 * two projects' locks, nor their reconcile rows.
 */
import type { Db } from "../../db/client.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import { heldLockOf } from "../../db/held-lock.js";

export async function markOthersDue(db: Db, projectIds: Iterable<string>, except: string): Promise<void> {
  const held = heldLockOf(db);
  if (held) {
    // A batch's transaction: they are marked once it has committed (holdingProjectLock).
    for (const id of projectIds) if (id !== except) held.othersDue.add(id);
    return;
  }
  await markReconcileDue(
    db,
    [...new Set(projectIds)].filter((id) => id !== except),
  );
}
