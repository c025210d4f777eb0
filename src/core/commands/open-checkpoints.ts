/**
 * A decision or human-action checkpoint became ready (the planner moved it to in progress):
 * its person is asked. A decision's question is stored like an agent's questions, so the next
 * writer's reply takes the same path as an answer (issue-comment.ts → answerQuestions); a human
 * action is assigned to the writer who started it.
 */
import { and, eq } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { messages, type tasks } from "../../db/schema.js";
import { recordIntents } from "./record-intents.js";
import { askForAction, askForDecision, CHECKPOINT_MARKER } from "../checkpoint-comments.js";
import { questionOf } from "../checkpoint-questions.js";
import type { GitHubIntent, RepoRef } from "../intents.js";

type TaskRow = typeof tasks.$inferSelect;

export async function openCheckpoints(tx: Tx, repo: RepoRef, opened: readonly TaskRow[]): Promise<void> {
  const intents: GitHubIntent[] = [];
  for (const task of opened) {
    if (task.issueNumber === null) continue;
    const comment = (body: string) => intents.push({ kind: "upsert-comment", repo, issueNumber: task.issueNumber!, marker: CHECKPOINT_MARKER, body });
    const subject = { title: task.name, description: task.description };
    if (task.type === "checkpoint:decision") {
      await askQuestion(tx, task);
      comment(askForDecision(subject));
    } else if (task.type === "checkpoint:human-action") {
      comment(askForAction(subject, task.triggeredBy));
      if (task.triggeredBy) intents.push({ kind: "add-assignees", repo, issueNumber: task.issueNumber, assignees: [task.triggeredBy] });
    }
  }
  await recordIntents(tx, intents);
}

/** Stored once: a question still pending from an earlier round (stopped, then started again) stands. */
async function askQuestion(tx: Tx, task: TaskRow): Promise<void> {
  const [pending] = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.taskId, task.id), eq(messages.type, "question"), eq(messages.status, "pending")))
    .limit(1);
  if (pending) return;
  const { question, items } = questionOf(task.name, task.description);
  await tx.insert(messages).values({
    // The app asks on the checkpoint's behalf: an "agent" party with no agent behind it.
    senderType: "agent",
    senderId: null,
    recipientType: "user",
    type: "question",
    content: [question, ...items.map((o, i) => `${i + 1}. ${o}`)].join("\n"),
    requiresResponse: true,
    status: "pending",
    taskId: task.id,
  });
}
