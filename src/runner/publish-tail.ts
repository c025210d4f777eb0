/**
 * A running agent's log tail, published for its check run: stored on the agent row, and the
 * project marked due, so the reconcile shows it (core/task-check-run.ts). A failure only costs
 * the refresh: the run goes on.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { agents, tasks } from "../db/schema.js";
import { markReconcileDue } from "../db/reconcile-due.js";
import type { Logger } from "../logger.js";

export function tailPublisher(db: Db, agentId: string, taskId: string, log: Logger): (tail: string, at: Date) => Promise<void> {
  return async (tail, at) => {
    try {
      await db.update(agents).set({ logTail: tail, logTailAt: at }).where(eq(agents.id, agentId));
      const [task] = await db.select({ projectId: tasks.projectId }).from(tasks).where(eq(tasks.id, taskId));
      if (task?.projectId) await markReconcileDue(db, task.projectId);
    } catch (error) {
      log.warn({ err: error }, "could not publish the agent's log tail");
    }
  };
}
