/**
 * A verify agent's "fail", inside the run's finish: the verify task waits (blocked) for a fix
 * task opened in its phase with the findings, and runs again once that is done. Outside a phase,
 * or after MAX_VERIFY_ROUNDS verifications, the task fails instead and a person is asked.
 */
import { count, eq } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { initiatives, phases, tasks } from "../../db/schema.js";
import type { GitHubIntent } from "../intents.js";
import { taskTransition } from "../transitions.js";
import { MAX_VERIFY_ROUNDS, fixTaskText, verifyFailedComment } from "../verify.js";
import type { VerifyFinding } from "../agent-modes.js";
import { repoConfigOf, repoRefOf, type ProjectRow } from "./project-repo.js";

type TaskRow = typeof tasks.$inferSelect;

/** What the run's finish records: the status comment's text, and the writes besides it. */
export interface VerifyFailure {
  comment: string;
  intents: GitHubIntent[];
}

export async function verifyFailed(
  tx: Tx,
  project: ProjectRow,
  task: TaskRow,
  end: { agentName: string; summary: string; findings: VerifyFinding[]; headSha: string },
): Promise<VerifyFailure> {
  const repo = repoRefOf(project);
  const verdict = { verdict: "fail" as const, findings: end.findings, headSha: end.headSha, summary: end.summary, claimedBy: null, leaseExpiresAt: null };
  const [phase] = task.phaseId ? await tx.select().from(phases).where(eq(phases.id, task.phaseId)) : [];
  const [{ rounds }] = (await tx.select({ rounds: count() }).from(tasks).where(eq(tasks.fixesTaskId, task.id))) as [{ rounds: number }];
  if (!phase || rounds >= MAX_VERIFY_ROUNDS - 1) {
    const why = !phase ? "no-phase" : "rounds-exhausted";
    taskTransition(task.status, "failed");
    await tx
      .update(tasks)
      .set({ ...verdict, status: "failed", lastError: `verification failed (${end.findings.length} findings)` })
      .where(eq(tasks.id, task.id));
    return { comment: verifyFailedComment(end.agentName, end.summary, why), intents: [] };
  }

  taskTransition(task.status, "blocked");
  await tx
    .update(tasks)
    .set({ ...verdict, status: "blocked", blockedReason: "verification failed: waiting for its fix task" })
    .where(eq(tasks.id, task.id));
  const [initiative] = task.initiativeId ? await tx.select().from(initiatives).where(eq(initiatives.id, task.initiativeId)) : [];
  const text = fixTaskText({ issueNumber: task.issueNumber, name: task.name }, end.findings, rounds + 1);
  // No issue yet: the outbox opens it and records it on the row; until then nothing claims it
  // (blocked), and the verify task counts it as its phase's unfinished work.
  const [fix] = await tx
    .insert(tasks)
    .values({
      projectId: project.id,
      phaseId: phase.id,
      initiativeId: task.initiativeId,
      name: text.title,
      description: text.body,
      category: "execute",
      priority: task.priority,
      status: "blocked",
      blockedReason: "its issue is being opened",
      triggeredBy: task.triggeredBy,
      fixesTaskId: task.id,
    })
    .returning({ id: tasks.id });
  return {
    comment: verifyFailedComment(end.agentName, end.summary, "opening"),
    intents: [
      {
        kind: "open-task-issue",
        repo,
        taskId: fix!.id,
        title: text.title,
        body: text.body,
        labels: [repoConfigOf(project).triggerLabel],
        milestoneNumber: initiative?.milestoneNumber ?? null,
        parentIssueNumber: phase.issueNumber,
      },
    ],
  };
}
