/**
 * Where a task's run talks to people. A task with an issue talks on its issue, one comment per
 * marker. A refine task has no issue: it talks on the pull request it refines, in one comment
 * (its own marker) that every step edits — queued, at work, questions, done or failed — under a
 * header naming the reviews it answers. When it is done the reviewers are asked to review again.
 */
import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { pullRequests, refineReviews, tasks } from "../../db/schema.js";
import type { GitHubIntent, RepoRef, UpsertCommentIntent } from "../intents.js";
import { lineReplyBody, lineReplyMarker, refineMarker, refineOutcomeBody, reviewers, type RefinePullRequest, type RefineReview } from "../refine-review.js";
import { updateOutcomeBody, workKindOf } from "../branch-update.js";
import { APP_APPROVER } from "../plan-pull-requests.js";
import { reviewOutcomeBody } from "../agent-review.js";

type TaskRow = typeof tasks.$inferSelect;
type ReviewRow = typeof refineReviews.$inferSelect;

export interface LoadedRefine {
  /**
   * `refine`: changes a review asked for; `update`: the base merged into the head
   * (`core/branch-update.ts`); `review`: a review agent reading it (`core/agent-review.ts`).
   */
  kind: "refine" | "update" | "review";
  pr: RefinePullRequest & { id: string; subjectId: string; state: "open" | "closed"; merged: boolean };
  /** The reviews it answers (dismissed ones left out), oldest first; none for an update. */
  reviews: RefineReview[];
  /** Who is asked to review again when it is done: the reviewers, or the person whose approval met the conflict. */
  askAgain: string[];
}

export function reviewOf(row: ReviewRow): RefineReview {
  return {
    reviewId: row.reviewId,
    reviewer: row.reviewer,
    body: row.body,
    htmlUrl: row.htmlUrl,
    commitId: row.commitId,
    comments: row.comments,
  };
}

/** The pull request a refine (or branch update) task works on and the reviews it answers; null for other tasks. */
export async function loadRefine(tx: DbOrTx, task: Pick<TaskRow, "id" | "pullRequestId" | "category" | "triggeredBy">): Promise<LoadedRefine | null> {
  if (!task.pullRequestId) return null;
  const [pr] = await tx.select().from(pullRequests).where(eq(pullRequests.id, task.pullRequestId));
  if (!pr || pr.number === null) return null;
  const rows = await tx
    .select()
    .from(refineReviews)
    .where(and(eq(refineReviews.taskId, task.id), eq(refineReviews.dismissed, false)))
    .orderBy(asc(refineReviews.createdAt), asc(refineReviews.reviewId));
  const reviews = rows.map(reviewOf);
  const update = workKindOf(task.category) === "update";
  return {
    kind: task.category === "review" ? "review" : update ? "update" : "refine",
    pr: { id: pr.id, number: pr.number, kind: pr.kind, head: pr.head, base: pr.base, subjectId: pr.subjectId, state: pr.state, merged: pr.merged },
    reviews,
    // The app itself "approves" in yolo: nobody to ask then.
    askAgain: task.category === "review" ? [] : update ? (task.triggeredBy && task.triggeredBy !== APP_APPROVER ? [task.triggeredBy] : []) : reviewers(reviews),
  };
}

/** The refine of the app's pull request #number whose agent asked questions and waits for an answer. */
export async function refineAwaitingAnswer(tx: DbOrTx, projectId: string, number: number): Promise<TaskRow | undefined> {
  const [row] = await tx
    .select({ task: tasks })
    .from(tasks)
    .innerJoin(pullRequests, eq(pullRequests.id, tasks.pullRequestId))
    .where(and(eq(pullRequests.projectId, projectId), eq(pullRequests.number, number), eq(tasks.status, "in_progress"), isNull(tasks.claimedBy)))
    .limit(1);
  return row?.task;
}

/** Per refine task: the reviewers it answers (for the check run), dismissed reviews left out. */
export async function reviewersByTask(tx: DbOrTx, taskIds: string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  if (taskIds.length === 0) return result;
  const rows = await tx
    .select()
    .from(refineReviews)
    .where(and(inArray(refineReviews.taskId, taskIds), eq(refineReviews.dismissed, false)))
    .orderBy(asc(refineReviews.createdAt), asc(refineReviews.reviewId));
  for (const id of taskIds) result.set(id, reviewers(rows.filter((r) => r.taskId === id).map(reviewOf)));
  return result;
}

export interface TaskThread {
  /** The issue (or pull request) the run's comments go to. */
  issueNumber: number;
  refine: LoadedRefine | null;
  /** The comment a task would upsert under `marker`; a refine's goes to its one comment. */
  comment(marker: string, body: string, options?: { completed?: boolean }): UpsertCommentIntent;
}

export async function taskThread(tx: DbOrTx, repo: RepoRef, task: TaskRow): Promise<TaskThread> {
  const refine = await loadRefine(tx, task);
  if (!refine) {
    if (task.issueNumber === null) throw new Error(`task ${task.id} has neither an issue nor a pull request to talk on`);
    const issueNumber = task.issueNumber;
    return { issueNumber, refine: null, comment: (marker, body) => ({ kind: "upsert-comment", repo, issueNumber, marker, body }) };
  }
  return {
    issueNumber: refine.pr.number,
    refine,
    comment: (_marker, body, options) => ({
      kind: "upsert-comment",
      repo,
      issueNumber: refine.pr.number,
      marker: refineMarker(task.id),
      body:
        refine.kind === "update"
          ? updateOutcomeBody(refine.pr, body, options?.completed ?? false, refine.askAgain)
          : refine.kind === "review"
            ? reviewOutcomeBody(body)
            : refineOutcomeBody(refine.reviews, body, options?.completed ?? false),
    }),
  };
}

/** A refine is done: its reviewers are asked again, and each line comment's thread gets a reply. */
export function refineDoneIntents(repo: RepoRef, taskId: string, refine: LoadedRefine, agentName: string | null): GitHubIntent[] {
  const intents: GitHubIntent[] = [];
  const asked = refine.askAgain;
  if (asked.length) intents.push({ kind: "request-review-again", repo, pullNumber: refine.pr.number, reviewers: asked });
  const threads = new Set<number>();
  for (const review of refine.reviews) {
    for (const c of review.comments) {
      const thread = c.inReplyTo ?? c.id;
      if (threads.has(thread)) continue;
      threads.add(thread);
      intents.push({
        kind: "reply-review-comment",
        repo,
        pullNumber: refine.pr.number,
        commentId: thread,
        marker: lineReplyMarker(taskId, thread),
        body: lineReplyBody(agentName, refine.pr.head),
      });
    }
  }
  return intents;
}
