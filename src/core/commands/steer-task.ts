/**
 * What a writer's slash command does to a task: stop it, start it again, retry it, approve it.
 * Each returns a sentence for the reply when the command cannot apply, so the person learns why.
 */
import { eq } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { tasks } from "../../db/schema.js";
import type { PersonWait } from "../checkpoints.js";
import { rerunText } from "../checkpoint-comments.js";
import { TASK_STATUSES, type TaskStatus } from "../statuses.js";
import { taskTransition } from "../transitions.js";
import { personWaitOf } from "./person-wait.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import { approveVerification, noteOnCheckpoint } from "./settle-checkpoint.js";
import type { TaskRow } from "./sync-issue.js";

export type SteerAction = "stop" | "retry" | "approve";

export interface SteerResult {
  changed: boolean;
  /** Why nothing changed, for the reply. */
  refusal?: string;
  /** The reply, when it is not the command's usual one. */
  reply?: string;
}

/** Why a task waiting for a person is not the command's to move, by what it waits for. */
const WAITING_FOR: Record<PersonWait, string> = {
  answers: "its agent is waiting for an answer to its questions (reply in a comment)",
  approval: "its agent's work is waiting for verification (`/cw approve` once it is right)",
  decision: "it is a decision checkpoint waiting for a decision (reply in a comment with it)",
  action: "it is waiting for a person to do what it asks and close this issue",
};

const NEXT: Record<SteerAction, (task: TaskRow, wait: PersonWait | null) => TaskStatus | string> = {
  stop: (t) => (t.status === "completed" ? "it is already done" : t.status === "cancelled" ? "it is already stopped" : "cancelled"),
  retry: (t, wait) =>
    // Work that failed verification runs again; any other wait is answered by a person.
    wait === "approval"
      ? "pending"
      : wait
        ? WAITING_FOR[wait]
        : t.status === "in_progress"
          ? "an agent is working on it right now (use `/cw stop` first)"
          : t.status === "pending_approval"
            ? "it is waiting for approval (use `/cw approve`)"
            : "pending",
  approve: (t, wait) => (t.status === "pending_approval" ? "pending" : wait && wait !== "approval" ? WAITING_FOR[wait] : "it is not waiting for approval"),
};

export async function steerTask(tx: Tx, task: TaskRow, action: SteerAction, by: string): Promise<SteerResult> {
  const { wait } = await personWaitOf(tx, task);
  if (action === "approve" && wait === "approval") {
    await approveVerification(tx, task, by);
    return { changed: true, reply: "Approved: the agent's work is verified, and this task is done." };
  }
  const next = NEXT[action](task, wait);
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
  if (wait === "approval") await noteOnCheckpoint(tx, task, rerunText(by));
  // pending may really be blocked: let the planner decide with the blockers in view.
  await markReconcileDue(tx, task.projectId!);
  return { changed: true };
}

function isStatus(value: string): value is TaskStatus {
  return (TASK_STATUSES as readonly string[]).includes(value);
}
