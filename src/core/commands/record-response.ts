/** A person's reply to a task's pending questions (an agent's, or a decision checkpoint's), kept as a message. */
import { and, eq } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { messages } from "../../db/schema.js";

export interface Answer {
  body: string;
  author: string;
  commentId: number;
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
