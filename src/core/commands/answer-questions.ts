/**
 * A writer's reply (a comment that is not a command) on a task waiting for one: the answer to
 * its agent's questions, which makes the task ready to resume the same session, or the decision
 * of a decision checkpoint, which completes it.
 */
import { eq } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { agents, tasks } from "../../db/schema.js";
import { taskTransition } from "../transitions.js";
import { personWaitOf } from "./person-wait.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import { recordResponse, type Answer } from "./record-response.js";
import { recordDecision } from "./settle-checkpoint.js";

/** False when the task waits for no reply (nothing changes). */
export async function answerQuestions(tx: Tx, taskId: string, answer: Answer): Promise<boolean> {
  const [task] = await tx.select().from(tasks).where(eq(tasks.id, taskId)).for("update");
  if (!task) return false;
  const { wait, agent } = await personWaitOf(tx, task);
  if (wait === "decision") {
    await recordDecision(tx, task, answer);
    return true;
  }
  if (wait !== "answers" || !agent) return false;
  await recordResponse(tx, taskId, answer, agent.id);
  await tx.update(agents).set({ status: "idle" }).where(eq(agents.id, agent.id));
  taskTransition(task.status, "pending");
  await tx.update(tasks).set({ status: "pending", runAfter: null }).where(eq(tasks.id, taskId));
  await markReconcileDue(tx, task.projectId!);
  return true;
}
