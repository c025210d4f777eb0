/**
 * "Request changes" on one of the app's pull requests becomes a refine task: a task with no
 * issue, category `refine`, tied to the pull request (and to its phase or initiative), whose
 * text is the review. A review submitted while a refine of the same pull request waits to start
 * joins that refine; one submitted once a refine has started queues a new one after it (the
 * runner never runs two refines of one pull request at once). A dismissed review leaves a refine
 * that has not started; a refine left with no review is cancelled.
 */
import { and, asc, eq, inArray, ne } from "drizzle-orm";
import type { Db, Tx } from "../../db/client.js";
import { phases, pullRequests, refineReviews, tasks } from "../../db/schema.js";
import { recordIntents } from "./record-intents.js";
import { refineCancelledBody, refineInput, refineMarker, refineQueuedBody, refineTitle, type RefineReview } from "../refine-review.js";
import { taskTransition } from "../transitions.js";
import { workKindOf } from "../branch-update.js";
import type { ProjectRow } from "./project-repo.js";
import { repoRefOf } from "./project-repo.js";
import { projectTransaction } from "./project-transaction.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import { loadRefine, reviewOf, type LoadedRefine } from "./refine-thread.js";

type PullRequestRow = typeof pullRequests.$inferSelect;

export type RefineRequestOutcome = "queued" | "joined" | "duplicate" | "not-ours" | "closed";

export async function requestRefine(db: Db, project: ProjectRow, input: { number: number; review: RefineReview }): Promise<RefineRequestOutcome> {
  return projectTransaction(db, project.id, (tx) => requestRefineIn(tx, project, input));
}

/** The same, inside a project transaction the caller holds (a writer's `/cw refine` endorsing an agent's review). */
export async function requestRefineIn(tx: Tx, project: ProjectRow, input: { number: number; review: RefineReview }): Promise<RefineRequestOutcome> {
  const [pr] = await tx
    .select()
    .from(pullRequests)
    .where(and(eq(pullRequests.projectId, project.id), eq(pullRequests.number, input.number)));
  if (!pr) return "not-ours";
  if (pr.merged || pr.state === "closed") return "closed";
  const [seen] = await tx
    .select({ id: refineReviews.id })
    .from(refineReviews)
    .where(and(eq(refineReviews.projectId, project.id), eq(refineReviews.reviewId, input.review.reviewId)));
  if (seen) return "duplicate"; // a redelivery

  const active = await activeRefines(tx, pr.id);
  // A branch update waiting on the same pull request is no refine to join.
  const waiting = active.find((t) => workKindOf(t.category) === "refine" && notStarted(t));
  let taskId: string;
  if (waiting) {
    taskId = waiting.id;
  } else {
    const [task] = await tx
      .insert(tasks)
      .values({
        ...(await ownerOf(tx, pr)),
        projectId: project.id,
        pullRequestId: pr.id,
        name: `Changes requested on #${input.number}`,
        category: "refine",
        // Someone waits for it: it goes before work nobody is reviewing yet.
        priority: "high",
        status: "pending",
        triggeredBy: input.review.reviewer,
      })
      .returning({ id: tasks.id });
    taskId = task!.id;
  }
  const { comments, ...review } = input.review;
  await tx.insert(refineReviews).values({ projectId: project.id, taskId, pullRequestId: pr.id, ...review, comments: [...comments] });
  const refine = (await loadRefine(tx, { id: taskId, pullRequestId: pr.id, category: "refine", triggeredBy: null }))!;
  await retitle(tx, taskId, refine);
  await recordIntents(tx, [
    {
      kind: "upsert-comment",
      repo: repoRefOf(project),
      issueNumber: refine.pr.number,
      marker: refineMarker(taskId),
      body: refineQueuedBody(
        refine.pr,
        refine.reviews,
        active.some((t) => t.status === "in_progress"),
      ),
    },
  ]);
  await markReconcileDue(tx, project.id);
  return waiting ? "joined" : "queued";
}

/** A dismissed review: dropped from its refine if that has not started; a refine with none left is cancelled. */
export async function dismissRefine(db: Db, project: ProjectRow, input: { reviewId: number }): Promise<"cancelled" | "dropped" | "started" | "unknown"> {
  return projectTransaction(db, project.id, async (tx) => {
    const [row] = await tx
      .select()
      .from(refineReviews)
      .where(and(eq(refineReviews.projectId, project.id), eq(refineReviews.reviewId, input.reviewId)));
    if (!row || row.dismissed) return "unknown";
    const [task] = await tx.select().from(tasks).where(eq(tasks.id, row.taskId)).for("update");
    // At work, waiting for answers or for a retry, or finished: too late to undo anything.
    if (!task || !notStarted(task)) return "started";
    await tx.update(refineReviews).set({ dismissed: true }).where(eq(refineReviews.id, row.id));
    const refine = (await loadRefine(tx, task))!;
    const repo = repoRefOf(project);
    const marker = refineMarker(task.id);
    let outcome: "cancelled" | "dropped";
    if (refine.reviews.length === 0) {
      taskTransition(task.status, "cancelled");
      await tx.update(tasks).set({ status: "cancelled", claimedBy: null, leaseExpiresAt: null }).where(eq(tasks.id, task.id));
      await recordIntents(tx, [
        { kind: "upsert-comment", repo, issueNumber: refine.pr.number, marker, body: refineCancelledBody([reviewOf(row)], "dismissed") },
      ]);
      outcome = "cancelled";
    } else {
      await retitle(tx, task.id, refine);
      const behind = (await activeRefines(tx, refine.pr.id)).some((t) => t.status === "in_progress");
      await recordIntents(tx, [
        { kind: "upsert-comment", repo, issueNumber: refine.pr.number, marker, body: refineQueuedBody(refine.pr, refine.reviews, behind) },
      ]);
      outcome = "dropped";
    }
    await markReconcileDue(tx, project.id);
    return outcome;
  });
}

/** Queued and never claimed: a review may still join it or leave it. */
function notStarted(task: { status: string; attempt: number }): boolean {
  return task.status === "pending" && task.attempt === 0;
}

/** The work on this pull request's head (refines and branch updates) that waits or is at work, oldest first. */
export async function activeRefines(tx: Tx, pullRequestId: string) {
  return (
    tx
      .select({ id: tasks.id, status: tasks.status, attempt: tasks.attempt, category: tasks.category })
      .from(tasks)
      // A review agent's reading moves no head: it holds no merge and no refine.
      .where(and(eq(tasks.pullRequestId, pullRequestId), inArray(tasks.status, ["pending", "in_progress"]), ne(tasks.category, "review")))
      .orderBy(asc(tasks.createdAt))
  );
}

/** The task's title and text: what the agent is given, rendered from the reviews it answers. */
async function retitle(tx: Tx, taskId: string, refine: LoadedRefine): Promise<void> {
  await tx
    .update(tasks)
    .set({ name: refineTitle(refine.pr, refine.reviews), description: refineInput(refine.pr, refine.reviews) })
    .where(eq(tasks.id, taskId));
}

/** A refine belongs where its pull request's work does: the phase (and initiative), the initiative, or nowhere. */
export async function ownerOf(tx: Tx, pr: PullRequestRow): Promise<{ phaseId: string | null; initiativeId: string | null }> {
  if (pr.kind === "initiative") return { phaseId: null, initiativeId: pr.subjectId };
  if (pr.kind === "task") return { phaseId: null, initiativeId: null };
  const [phase] = await tx.select({ id: phases.id, initiativeId: phases.initiativeId }).from(phases).where(eq(phases.id, pr.subjectId));
  return { phaseId: phase?.id ?? null, initiativeId: phase?.initiativeId ?? null };
}
