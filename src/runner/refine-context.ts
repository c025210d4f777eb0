/**
 * Where a refine's work goes and what its agent is told beyond the task text. A refine works on
 * its own branch, made from the pull request's head, and is merged into that head when done,
 * like any task into its phase: a failed or interrupted run never leaves half-done work on the
 * branch under review, a run resumed after questions finds its work again, and a person's push
 * to the head meanwhile is merged, not overwritten.
 */
import { refineBranch } from "../core/branch-names.js";
import type { LoadedRefine } from "../core/commands/refine-thread.js";
import type { TaskContext } from "./context-files.js";
import type { BranchPlan } from "./run-context.js";
import type { TaskRow } from "../db/task-fence.js";

export function refineBranches(task: TaskRow, refine: LoadedRefine): BranchPlan {
  const head = refine.pr.head;
  // A branch update commits nothing of its own: it merges the base into the head, on the head.
  // A review reads the head as it is, and keeps nothing it writes.
  if (refine.kind === "update" || refine.kind === "review") return { taskBranch: head, base: head, mergeInto: null, ensure: [] };
  return {
    taskBranch: task.branch ?? refineBranch(head, refine.reviews[0]?.reviewId ?? task.id.slice(0, 8)),
    base: head,
    mergeInto: head,
    ensure: [],
  };
}

/** task.md's front matter for a refine: the pull request and the reviews (their text is the body). */
export function refineFrontMatter(refine: LoadedRefine): NonNullable<TaskContext["refine"]> {
  return {
    pullRequest: { number: refine.pr.number, head: refine.pr.head, base: refine.pr.base },
    reviews: refine.reviews.map((r) => ({ id: r.reviewId, reviewer: r.reviewer, url: r.htmlUrl })),
  };
}
