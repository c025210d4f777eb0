/**
 * A person finishes a checkpoint: a writer approves a human-verify checkpoint's work, or decides
 * a decision checkpoint. The task completes (dependents are freed by the reconcile) and the
 * checkpoint comment says who settled it. A human action is settled by closing its issue
 * (sync-issue.ts).
 */
import { eq } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { tasks } from "../../db/schema.js";
import { recordIntents } from "./record-intents.js";
import { approvedText, CHECKPOINT_MARKER, decidedText, decisionSummary } from "../checkpoint-comments.js";
import { questionOf, resolveDecision } from "../checkpoint-questions.js";
import { taskTransition } from "../transitions.js";
import { recordResponse, type Answer } from "./record-response.js";
import { loadProject, repoRefOf } from "./project-repo.js";
import { markReconcileDue } from "../../db/reconcile-due.js";

type TaskRow = typeof tasks.$inferSelect;

export async function approveVerification(tx: Tx, task: TaskRow, by: string): Promise<void> {
  await complete(tx, task, { summary: task.summary, comment: approvedText(by) });
}

export async function recordDecision(tx: Tx, task: TaskRow, answer: Answer): Promise<void> {
  const decision = resolveDecision(answer.body, questionOf(task.name, task.description).items);
  await recordResponse(tx, task.id, answer, null);
  await complete(tx, task, { summary: decisionSummary(answer.author, decision), comment: decidedText(answer.author, decision) });
}

async function complete(tx: Tx, task: TaskRow, outcome: { summary: string | null; comment: string }): Promise<void> {
  taskTransition(task.status, "completed");
  await tx.update(tasks).set({ status: "completed", summary: outcome.summary }).where(eq(tasks.id, task.id));
  await noteOnCheckpoint(tx, task, outcome.comment);
  await markReconcileDue(tx, task.projectId!);
}

/** Edits the task's checkpoint comment to say what happened. */
export async function noteOnCheckpoint(tx: Tx, task: Pick<TaskRow, "projectId" | "issueNumber">, body: string): Promise<void> {
  const repo = repoRefOf(await loadProject(tx, task.projectId!));
  await recordIntents(tx, [{ kind: "upsert-comment", repo, issueNumber: task.issueNumber!, marker: CHECKPOINT_MARKER, body }]);
}
