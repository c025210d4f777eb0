/**
 * What a writer's slash command does to a task: stop it, start it again, retry it, approve it.
 * Each returns a sentence for the reply when the command cannot apply, so the person learns why.
 */
import { eq } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { tasks } from "../../db/schema.js";
import { TASK_STATUSES, type TaskStatus } from "../statuses.js";
import { taskTransition } from "../transitions.js";
import { reconcileTasks } from "./reconcile-tasks.js";
import type { TaskRow } from "./sync-issue.js";

export type SteerAction = "stop" | "retry" | "approve";

export interface SteerResult {
  changed: boolean;
  /** Why nothing changed, for the reply. */
  refusal?: string;
}

const NEXT: Record<SteerAction, (task: TaskRow) => TaskStatus | string> = {
  stop: (t) =>
    t.status === "completed" ? "it is already done" : t.status === "cancelled" ? "it is already stopped" : "cancelled",
  retry: (t) =>
    t.status === "in_progress"
      ? "an agent is working on it right now (use `/cw stop` first)"
      : t.status === "pending_approval"
        ? "it is waiting for approval (use `/cw approve`)"
        : "pending",
  approve: (t) => (t.status === "pending_approval" ? "pending" : "it is not waiting for approval"),
};

export async function steerTask(tx: Tx, task: TaskRow, action: SteerAction, by: string): Promise<SteerResult> {
  const next = NEXT[action](task);
  if (!isStatus(next)) return { changed: false, refusal: next };
  if (next === task.status && action !== "retry") return { changed: false };
  if (next !== task.status) taskTransition(task.status, next);
  await tx
    .update(tasks)
    .set({
      status: next,
      ...(action === "retry" ? { retryCount: 0, lastError: null, runAfter: null, triggeredBy: by } : {}),
      ...(action === "approve" ? { triggeredBy: task.triggeredBy ?? by } : {}),
    })
    .where(eq(tasks.id, task.id));
  // pending may really be blocked: let the planner decide with the blockers in view.
  await reconcileTasks(tx, task.projectId!);
  return { changed: true };
}

function isStatus(value: string): value is TaskStatus {
  return (TASK_STATUSES as readonly string[]).includes(value);
}
