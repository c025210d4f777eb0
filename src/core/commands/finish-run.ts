/**
 * The end of an agent run, as one fenced transaction per outcome: the task's new status, the
 * agent's, the comments that tell people, and the statuses of the tasks that waited on it.
 * A run whose fence no longer holds (stopped meanwhile, or reclaimed after a lost lease)
 * changes nothing but its own agent row.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db, Tx } from "../../db/client.js";
import { agents, messages, tasks } from "../../db/schema.js";
import { recordIntents } from "../../github/outbox-queue.js";
import type { GitHubIntent } from "../intents.js";
import { taskTransition } from "../transitions.js";
import { fenceWhere, type Fence } from "../../runner/task-claims.js";
import { lockProject } from "./project-transaction.js";
import { loadProject, repoRefOf } from "./project-repo.js";
import { reconcileTasks } from "./reconcile-tasks.js";
import { refineDoneIntents, taskThread } from "./refine-thread.js";

export const AGENT_COMMENT_MARKER = "agent";
export const QUESTIONS_MARKER = "questions";
export const ACCOUNTS_MARKER = "accounts-exhausted";

export type RunEnd =
  | { kind: "completed"; summary: string; comment: string; usage?: Record<string, unknown>; costUsd?: number }
  | { kind: "questions"; questions: { id: string; question: string }[]; comment: string; sessionId: string | null }
  | { kind: "retry"; error: string; comment: string; runAfter: Date }
  | { kind: "failed"; error: string; comment: string }
  | { kind: "requeue"; reason: string; runAfter: Date | null; comment?: { marker: string; body: string } }
  | { kind: "stopped"; comment: string };

export interface FinishInput {
  fence: Fence;
  agentId: string;
  exitCode: number | null;
  sessionId: string | null;
  logTail: string;
  end: RunEnd;
}

/** Returns false when the fence no longer held: the result was someone else's to record. */
export async function finishRun(db: Db, input: FinishInput): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Take turns with the project's other runner transactions before locking the task row.
    const [owner] = await tx.select({ projectId: tasks.projectId }).from(tasks).where(eq(tasks.id, input.fence.taskId));
    if (owner?.projectId) await lockProject(tx, owner.projectId);
    const [task] = await tx.select().from(tasks).where(fenceWhere(input.fence)).for("update");
    const agentStatus = agentStatusFor(input.end);
    await tx
      .update(agents)
      .set({
        status: task ? agentStatus : "stopped",
        exitCode: input.exitCode,
        sessionId: input.sessionId,
        finishedAt: agentStatus === "waiting_for_input" ? null : new Date(),
        result: resultText(input.end),
        pendingQuestions: input.end.kind === "questions" ? JSON.stringify(input.end.questions) : null,
        ...(input.end.kind === "completed" ? { usage: input.end.usage ?? null, costUsd: input.end.costUsd?.toString() ?? null } : {}),
      })
      .where(eq(agents.id, input.agentId));
    if (!task) return false;

    const project = await loadProject(tx, task.projectId!);
    const repo = repoRefOf(project);
    const intents: GitHubIntent[] = [];
    // Stopped (or unlabelled, or closed) while the agent was finishing: its result is kept on
    // the agent and its work on the branch, but the task stays where people put it.
    const end: RunEnd = task.status === "in_progress" ? input.end : { kind: "stopped", comment: stoppedComment(input.end) };
    // A task talks on its issue; a refine task on the pull request it refines.
    const thread = await taskThread(tx, repo, task);
    const comment = (marker: string, body: string) => intents.push(thread.comment(marker, body, { completed: end.kind === "completed" }));
    switch (end.kind) {
      case "completed":
        taskTransition(task.status, "completed");
        await tx
          .update(tasks)
          .set({ status: "completed", summary: end.summary, claimedBy: null, leaseExpiresAt: null, lastError: null })
          .where(eq(tasks.id, task.id));
        comment(AGENT_COMMENT_MARKER, end.comment);
        if (thread.refine) intents.push(...refineDoneIntents(repo, task.id, thread.refine, await agentName(tx, input.agentId)));
        break;
      case "questions":
        // The task stays in progress, released: the next answer by a writer resumes it.
        await tx.update(tasks).set({ claimedBy: null, leaseExpiresAt: null }).where(eq(tasks.id, task.id));
        for (const q of end.questions) {
          await tx.insert(messages).values({
            senderType: "agent",
            senderId: input.agentId,
            recipientType: "user",
            type: "question",
            content: q.question,
            requiresResponse: true,
            status: "pending",
            taskId: task.id,
          });
        }
        comment(QUESTIONS_MARKER, end.comment);
        break;
      case "retry":
        taskTransition(task.status, "pending");
        await tx
          .update(tasks)
          .set({
            status: "pending",
            retryCount: sql`${tasks.retryCount} + 1`,
            lastError: end.error,
            runAfter: end.runAfter,
            claimedBy: null,
            leaseExpiresAt: null,
          })
          .where(eq(tasks.id, task.id));
        comment(AGENT_COMMENT_MARKER, end.comment);
        break;
      case "failed":
        taskTransition(task.status, "failed");
        await tx
          .update(tasks)
          .set({ status: "failed", lastError: end.error, claimedBy: null, leaseExpiresAt: null })
          .where(eq(tasks.id, task.id));
        comment(AGENT_COMMENT_MARKER, end.comment);
        break;
      case "requeue":
        taskTransition(task.status, "pending");
        await tx
          .update(tasks)
          .set({ status: "pending", runAfter: end.runAfter, claimedBy: null, leaseExpiresAt: null, lastError: end.reason })
          .where(eq(tasks.id, task.id));
        if (end.comment) comment(end.comment.marker, end.comment.body);
        break;
      case "stopped":
        if (task.status === "in_progress") {
          // Still wanted: the runner itself stopped (shut down). Someone else takes it up,
          // resuming the same session.
          taskTransition(task.status, "pending");
          await tx
            .update(tasks)
            .set({ status: "pending", claimedBy: null, leaseExpiresAt: null, runAfter: null })
            .where(eq(tasks.id, task.id));
        } else {
          await tx.update(tasks).set({ claimedBy: null, leaseExpiresAt: null }).where(eq(tasks.id, task.id));
          comment(AGENT_COMMENT_MARKER, end.comment);
        }
        break;
    }
    await recordIntents(tx, intents);
    await reconcileTasks(tx, project.id);
    return true;
  });
}

async function agentName(tx: Tx, agentId: string): Promise<string | null> {
  const [agent] = await tx.select({ name: agents.name }).from(agents).where(eq(agents.id, agentId));
  return agent?.name ?? null;
}

function stoppedComment(end: RunEnd): string {
  return end.kind === "stopped" ? end.comment : "⏹️ The task was stopped while its agent was finishing; its work is on the task's branch.";
}

function agentStatusFor(end: RunEnd): "idle" | "waiting_for_input" | "crashed" | "stopped" {
  switch (end.kind) {
    case "completed":
      return "idle";
    case "questions":
      return "waiting_for_input";
    case "stopped":
      return "stopped";
    default:
      return "crashed";
  }
}

function resultText(end: RunEnd): string {
  switch (end.kind) {
    case "completed":
      return end.summary;
    case "questions":
      return JSON.stringify(end.questions);
    case "retry":
    case "failed":
      return end.error;
    case "requeue":
      return end.reason;
    case "stopped":
      return "stopped";
  }
}

/** A writer answered the agent's questions: the task is ready again and resumes the same session. */
export async function answerQuestions(tx: Tx, taskId: string, answer: { body: string; author: string; commentId: number }): Promise<boolean> {
  const [task] = await tx.select().from(tasks).where(eq(tasks.id, taskId)).for("update");
  if (!task || task.status !== "in_progress" || task.claimedBy !== null) return false;
  const [agent] = await tx
    .select()
    .from(agents)
    .where(and(eq(agents.taskId, taskId), eq(agents.status, "waiting_for_input")))
    .limit(1);
  if (!agent) return false;
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
    recipientId: agent.id,
    type: "response",
    content: answer.body,
    status: "pending",
    parentMessageId: questions[0]?.id ?? null,
    taskId,
    commentId: answer.commentId,
    author: answer.author,
  });
  await tx.update(agents).set({ status: "idle" }).where(eq(agents.id, agent.id));
  taskTransition(task.status, "pending");
  await tx.update(tasks).set({ status: "pending", runAfter: null }).where(eq(tasks.id, taskId));
  await reconcileTasks(tx, task.projectId!);
  return true;
}
