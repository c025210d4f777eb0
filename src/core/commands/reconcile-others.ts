/**
 * Other projects a command affected (a blocker in another repository closed): each converges in
 * its own transaction, after the command's, so no transaction ever holds two project locks.
 */
import type { Db } from "../../db/client.js";
import { projectTransaction } from "./project-transaction.js";
import { reconcileTasks } from "./reconcile-tasks.js";

export async function reconcileOthers(db: Db, projectIds: Iterable<string>, except: string): Promise<void> {
  for (const projectId of new Set(projectIds)) {
    if (projectId !== except) await projectTransaction(db, projectId, (tx) => reconcileTasks(tx, projectId));
  }
}
