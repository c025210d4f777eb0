/**
 * `/cw stop` and `/cw retry` in a comment on one of the app's pull requests. The work there (a
 * refine from a review, or a branch update) has no issue of its own, so the commands reach it
 * through its pull request: stop cancels the newest refine or update that waits or works (a
 * running agent is stopped through its lease, as for any task); retry queues the newest one
 * that failed or was stopped again. Its one comment on the pull request says so.
 */
import { and, desc, eq, inArray } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { pullRequests, tasks } from "../../db/schema.js";
import { recordIntents } from "./record-intents.js";
import { updateHeader, updateQueuedBody } from "../branch-update.js";
import { refineHeader, refineMarker, refineQueuedBody } from "../refine-review.js";
import type { TaskStatus } from "../statuses.js";
import { repoRefOf, type ProjectRow } from "./project-repo.js";
import { loadRefine, type LoadedRefine } from "./refine-thread.js";
import { steerTask } from "./steer-task.js";

const WORK: Record<"stop" | "retry", readonly TaskStatus[]> = { stop: ["pending", "in_progress"], retry: ["failed", "cancelled"] };

/** The reply; null when the pull request is not one of the app's (the caller says there is no task). */
export async function steerPullRequestWork(tx: Tx, project: ProjectRow, prNumber: number, action: "stop" | "retry", by: string): Promise<string | null> {
  const [pr] = await tx
    .select({ id: pullRequests.id, merged: pullRequests.merged, state: pullRequests.state })
    .from(pullRequests)
    .where(and(eq(pullRequests.projectId, project.id), eq(pullRequests.number, prNumber)));
  if (!pr) return null;
  if (action === "retry" && (pr.merged || pr.state === "closed")) return "Nothing to retry: this pull request is closed.";
  const [task] = await tx
    .select()
    .from(tasks)
    .where(and(eq(tasks.pullRequestId, pr.id), inArray(tasks.status, [...WORK[action]])))
    .orderBy(desc(tasks.createdAt))
    .limit(1);
  if (!task) {
    return action === "stop"
      ? "Nothing to stop: no refine or branch update is waiting or at work on this pull request."
      : "Nothing to retry: no refine or branch update of this pull request failed or was stopped.";
  }
  const work = await loadRefine(tx, task);
  if (action === "retry" && work?.kind === "refine" && work.reviews.length === 0) {
    return "Nothing to retry: the reviews that asked for this refine were dismissed.";
  }
  const result = await steerTask(tx, task, action, by);
  if (result.refusal) return `Nothing to ${action}: ${result.refusal}.`;
  if (work) {
    await recordIntents(tx, [
      { kind: "upsert-comment", repo: repoRefOf(project), issueNumber: prNumber, marker: refineMarker(task.id), body: steeredBody(work, action, by) },
    ]);
  }
  const what = work?.kind === "update" ? "branch update" : "refine";
  return action === "stop" ? `Stopped: the ${what} is no longer scheduled.` : `Retrying: the ${what} is scheduled again.`;
}

function steeredBody(work: LoadedRefine, action: "stop" | "retry", by: string): string {
  const update = work.kind === "update";
  if (action === "retry") return update ? updateQueuedBody(work.pr, false) : refineQueuedBody(work.pr, work.reviews, false);
  return [
    update ? updateHeader(work.pr) : refineHeader(work.reviews),
    "",
    `⏹️ Stopped by @${by}: nothing more is pushed to \`${work.pr.head}\`. \`/cw retry\` here queues it again.`,
  ].join("\n");
}
