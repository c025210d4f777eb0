/** `/cw status` on one of the app's pull requests: read what `describePullRequest` shows. */
import { and, eq, inArray, isNull, ne } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { agents, initiatives, phases, pullRequests, tasks } from "../../db/schema.js";
import { describePullRequest, type PullRequestStatusView } from "../describe-pull-request.js";
import { workKindOf } from "../branch-update.js";
import { activeRefines } from "./request-refine.js";
import type { ProjectRow } from "./project-repo.js";

/** The answer; null when the pull request is not one of the app's. */
export async function pullRequestStatus(tx: Tx, project: ProjectRow, number: number): Promise<string | null> {
  const [pr] = await tx
    .select()
    .from(pullRequests)
    .where(and(eq(pullRequests.projectId, project.id), eq(pullRequests.number, number)));
  if (!pr) return null;
  const work = await activeRefines(tx, pr.id);
  const running = work.length
    ? await tx
        .select({ taskId: agents.taskId, name: agents.name })
        .from(agents)
        .where(
          and(
            inArray(
              agents.taskId,
              work.map((w) => w.id),
            ),
            eq(agents.status, "running"),
          ),
        )
    : [];
  const view: PullRequestStatusView = {
    number,
    kind: pr.kind,
    head: pr.head,
    base: pr.base,
    subject: await subjectOf(tx, pr.kind, pr.subjectId),
    state: pr.state,
    draft: pr.draft,
    merged: pr.merged,
    headSha: pr.headSha,
    approvedSha: pr.approvedSha,
    approvedBy: pr.approvedBy,
    mergeBlockedReason: pr.mergeBlockedReason,
    tasks: pr.kind === "task" ? null : await tasksDone(tx, pr.kind, pr.subjectId),
    work: work.map((w) => ({
      kind: workKindOf(w.category),
      status: w.status as "pending" | "in_progress",
      agent: running.find((a) => a.taskId === w.id)?.name ?? null,
    })),
  };
  return describePullRequest(view);
}

async function subjectOf(tx: Tx, kind: PullRequestStatusView["kind"], id: string): Promise<string> {
  if (kind === "phase") {
    const [phase] = await tx.select({ issueNumber: phases.issueNumber, name: phases.name }).from(phases).where(eq(phases.id, id));
    return phase ? `phase${phase.issueNumber !== null ? ` #${phase.issueNumber}` : ""} “${phase.name}”` : "a phase";
  }
  if (kind === "initiative") {
    const [initiative] = await tx.select({ name: initiatives.name }).from(initiatives).where(eq(initiatives.id, id));
    return initiative ? `the initiative “${initiative.name}”` : "an initiative";
  }
  const [task] = await tx.select({ issueNumber: tasks.issueNumber }).from(tasks).where(eq(tasks.id, id));
  return task?.issueNumber ? `task #${task.issueNumber}` : "a task";
}

/** The phase's (or initiative's) own tasks: refines and updates, and cancelled tasks, are not its work. */
async function tasksDone(tx: Tx, kind: "phase" | "initiative", id: string): Promise<{ done: number; total: number }> {
  const rows = await tx
    .select({ status: tasks.status })
    .from(tasks)
    .where(and(eq(kind === "phase" ? tasks.phaseId : tasks.initiativeId, id), ne(tasks.status, "cancelled"), isNull(tasks.pullRequestId)));
  return { done: rows.filter((t) => t.status === "completed").length, total: rows.length };
}
