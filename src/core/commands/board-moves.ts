/**
 * What people do to cards, as the `projects_v2_item` webhook tells it: the board shows what they
 * moved a card to (stored, so the reconcile sets back any move that is not the task's real
 * status), a card they deleted is remembered as removed (added back on the next change, never
 * in a loop), and a card they added is adopted. Starting a task from a drag is `startFromBoard`.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { boardItems, tasks } from "../../db/schema.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import type { IssueFacts } from "../issue-facts.js";
import type { RepoConfig } from "../repo-config.js";
import type { ProjectRow } from "./project-repo.js";
import { projectTransaction } from "./project-transaction.js";
import { recordIntents } from "./record-intents.js";
import { repoRefOf } from "./project-repo.js";
import { syncIssueIn } from "./sync-issue.js";

type BoardItemRow = typeof boardItems.$inferSelect;

/** A person set a field of the card: the board shows `value` there now. */
export async function recordCardShows(db: Db, item: BoardItemRow, field: string, value: string): Promise<void> {
  await projectTransaction(db, item.projectId, async (tx) => {
    const [row] = await tx.select({ shown: boardItems.shown }).from(boardItems).where(eq(boardItems.id, item.id));
    await tx
      .update(boardItems)
      .set({ shown: { ...(row?.shown ?? {}), [field]: value } })
      .where(eq(boardItems.id, item.id));
    await markReconcileDue(tx, item.projectId);
  });
}

/** A person deleted the card: it stays deleted until what it should show changes. */
export async function recordCardRemoved(db: Db, item: BoardItemRow): Promise<void> {
  await db.update(boardItems).set({ removed: true, itemId: null, shown: {} }).where(eq(boardItems.id, item.id));
}

/** A person put the issue on the board: that card is the issue's, written to from now on. */
export async function recordCardAdded(db: Db, item: BoardItemRow, itemId: string): Promise<void> {
  if (item.itemId === itemId && !item.removed) return;
  await projectTransaction(db, item.projectId, async (tx) => {
    await tx.update(boardItems).set({ itemId, shown: {}, removed: false }).where(eq(boardItems.id, item.id));
    await markReconcileDue(tx, item.projectId);
  });
}

/**
 * A writer dragged the card to the start option: the task starts as the trigger label starts it
 * (a cancelled or failed task is started again; one scheduled, running or done is left as it
 * is), and the label is put on the issue so the issue says so too. True when it started.
 */
export async function startFromBoard(db: Db, input: { project: ProjectRow; issue: IssueFacts; config: RepoConfig; by: string }): Promise<boolean> {
  const { project, issue, config, by } = input;
  return projectTransaction(db, project.id, async (tx) => {
    if (issue.state === "closed" || issue.isPullRequest) return false;
    const [task] = await tx
      .select({ status: tasks.status })
      .from(tasks)
      .where(and(eq(tasks.projectId, project.id), eq(tasks.issueNumber, issue.number)));
    if (task && !["cancelled", "failed"].includes(task.status)) return false;
    const result = await syncIssueIn(tx, { project, issue, config, startedBy: by, stopRequested: false, trustBody: true, bodyLinks: null, actor: by });
    if (result.started && !issue.labels.includes(config.triggerLabel)) {
      await recordIntents(tx, [{ kind: "add-labels", repo: repoRefOf(project), issueNumber: issue.number, labels: [config.triggerLabel] }]);
    }
    return result.started;
  });
}
