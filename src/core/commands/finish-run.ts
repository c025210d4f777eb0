/**
 * The end of an agent run, as one fenced transaction per outcome: the task's new status, the
 * agent's, the comments that tell people, and the statuses of the tasks that waited on it.
 * A run whose fence no longer holds (stopped meanwhile, or reclaimed after a lost lease)
 * changes nothing but its own agent row.
 */
import { eq, sql } from "drizzle-orm";
import type { Db, Tx } from "../../db/client.js";
import { agents, messages, tasks } from "../../db/schema.js";
import { recordIntents } from "./record-intents.js";
import type { GitHubIntent } from "../intents.js";
import { completesWhenAgentDone } from "../checkpoints.js";
import { askForVerification, CHECKPOINT_MARKER } from "../checkpoint-comments.js";
import { taskTransition } from "../transitions.js";
import { lateFenceWhere, reclaimedFrom, type Fence } from "../../db/task-fence.js";
import { lockProject } from "./project-transaction.js";
import { loadProject, repoRefOf } from "./project-repo.js";
import { markReconcileDue, PLAN_SCOPE } from "../../db/reconcile-due.js";
import { refineDoneIntents, taskThread } from "./refine-thread.js";
import type { VerifyFinding } from "../agent-modes.js";
import { reviewDoneIntents, type ReviewToPost } from "./agent-review.js";
import { verifyFailed } from "./verify-failed.js";
import type { Plan } from "../plan-file.js";
import { recordChangeSet } from "./record-change-set.js";

export const AGENT_COMMENT_MARKER = "agent";
export const QUESTIONS_MARKER = "questions";
export const ACCOUNTS_MARKER = "accounts-exhausted";

export type RunEnd =
  | {
      kind: "completed";
      summary: string;
      comment: string;
      usage?: Record<string, unknown>;
      costUsd?: number;
      /** The run pushed nothing, and no earlier run did: there is no branch to open a pull request for. */
      noChanges?: boolean;
      /** A verify agent's pass, on the commit it verified. */
      verdict?: { verdict: "pass"; findings: VerifyFinding[]; headSha: string };
      /** A review agent's review, to post on its pull request. */
      review?: ReviewToPost;
      /** The commit its work landed on (the phase branch's new head), and the change's size, for its check run. */
      headSha?: string;
      diffStat?: string;
      /** A planning agent's valid plan: recorded as one change set with the completion. */
      plan?: { mode: "plan" | "detail" | "refine"; plan: Plan };
    }
  | { kind: "verify-failed"; agentName: string; summary: string; findings: VerifyFinding[]; headSha: string }
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
  /** Tokens and cost of the run, however it ended (a completed run's own count wins). */
  usage?: { usage: Record<string, unknown>; costUsd: number | null };
}

/** Returns false when the fence no longer held: the result was someone else's to record. */
export async function finishRun(db: Db, input: FinishInput): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Take turns with the project's other runner transactions before locking the task row.
    const [owner] = await tx.select({ projectId: tasks.projectId }).from(tasks).where(eq(tasks.id, input.fence.taskId));
    if (owner?.projectId) await lockProject(tx, owner.projectId);
    const [row] = await tx.select().from(tasks).where(lateFenceWhere(input.fence)).for("update");
    // A run that finishes after its lease lapsed (the database was away) and was taken back, but
    // not claimed again yet, is still the task's latest run: it is recorded as if in progress.
    const task = row && row.status === "pending" && row.claimedBy === reclaimedFrom(input.fence.runnerId) ? { ...row, status: "in_progress" as const } : row;
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
        ...(input.usage ? { usage: input.usage.usage, costUsd: input.usage.costUsd?.toString() ?? null } : {}),
        ...(input.end.kind === "completed" ? { usage: input.end.usage ?? null, costUsd: input.end.costUsd?.toString() ?? null } : {}),
        ...(input.end.kind === "completed" && input.end.headSha ? { headSha: input.end.headSha } : {}),
        ...(input.end.kind === "completed" && input.end.diffStat ? { diffStat: input.end.diffStat } : {}),
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
      case "completed": {
        // A human-verify checkpoint's work (committed and merged like any other) waits for a
        // writer's `/cw approve`: the task stays in progress, released, like one with questions.
        const status = completesWhenAgentDone(task.type) ? "completed" : "in_progress";
        taskTransition(task.status, status);
        await tx
          .update(tasks)
          .set({
            status,
            summary: end.summary,
            claimedBy: null,
            leaseExpiresAt: null,
            lastError: null,
            // Nothing pushed, now or before: no branch, so no pull request is asked for.
            ...(end.noChanges ? { branch: null } : {}),
            ...(end.verdict ? { verdict: "pass" as const, findings: end.verdict.findings, headSha: end.verdict.headSha } : {}),
          })
          .where(eq(tasks.id, task.id));
        comment(AGENT_COMMENT_MARKER, end.comment);
        if (end.plan) {
          const recorded = await recordChangeSet(tx, {
            project,
            task,
            agentId: input.agentId,
            agentName: (await agentName(tx, input.agentId)) ?? "agent",
            mode: end.plan.mode,
            plan: end.plan.plan,
            summary: end.summary,
          });
          intents.push(...recorded.intents);
        }
        if (status === "in_progress") comment(CHECKPOINT_MARKER, askForVerification({ title: task.name, description: task.description }, end.summary));
        if (end.review && thread.refine) intents.push(...reviewDoneIntents(repo, task.id, thread.refine.pr, end.review, await agentName(tx, input.agentId)));
        else if (thread.refine) intents.push(...refineDoneIntents(repo, task.id, thread.refine, await agentName(tx, input.agentId)));
        break;
      }
      case "verify-failed": {
        // Fixed in a new task of the phase, then verified again; or, out of rounds, failed.
        const failure = await verifyFailed(tx, project, task, end);
        comment(AGENT_COMMENT_MARKER, failure.comment);
        intents.push(...failure.intents);
        break;
      }
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
        await tx.update(tasks).set({ status: "failed", lastError: end.error, claimedBy: null, leaseExpiresAt: null }).where(eq(tasks.id, task.id));
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
          await tx.update(tasks).set({ status: "pending", claimedBy: null, leaseExpiresAt: null, runAfter: null }).where(eq(tasks.id, task.id));
        } else {
          await tx.update(tasks).set({ claimedBy: null, leaseExpiresAt: null }).where(eq(tasks.id, task.id));
          comment(AGENT_COMMENT_MARKER, end.comment);
        }
        break;
    }
    await recordIntents(tx, intents);
    // Due at once: a dependent's agent waits for this reconcile to be told it may start.
    await markReconcileDue(tx, project.id, PLAN_SCOPE, new Date());
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
    case "verify-failed":
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
    case "verify-failed":
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
