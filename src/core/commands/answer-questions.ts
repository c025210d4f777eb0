/**
 * A writer's reply (a comment that is not a command) on a task waiting for one: the answer to
 * its agent's questions, which makes the task ready to resume the same session, or the decision
 * of a decision checkpoint, which completes it.
 */
import { and, eq } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { agents, messages, tasks } from "../../db/schema.js";
import { taskTransition } from "../transitions.js";
import { personWaitOf } from "./person-wait.js";
import { reconcileTasks } from "./reconcile-tasks.js";
import { recordDecision } from "./settle-checkpoint.js";

export interface Answer {
  body: string;
  author: string;
  commentId: number;
}

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
  await reconcileTasks(tx, task.projectId!);
  return true;
}

/** The task's pending questions are answered by this reply (kept as a response message). */
export async function recordResponse(tx: Tx, taskId: string, answer: Answer, agentId: string | null): Promise<void> {
  const questions = await tx
    .select()
    .from(messages)
    .where(and(eq(messages.taskId, taskId), eq(messages.type, "question"), eq(messages.status, "pending")));
  for (const q of questions) {
    await tx.update(messages).set({ status: "responded" }).where(eq(messages.id, q.id));
  }
  await tx.insert(messages).values({
    senderType: "user",
    recipientType: "agent",
    recipientId: agentId,
    type: "response",
    content: answer.body,
    status: "pending",
    parentMessageId: questions[0]?.id ?? null,
    taskId,
    commentId: answer.commentId,
    author: answer.author,
  });
}
