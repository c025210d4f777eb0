/**
 * A branch update: one of the app's pull requests that GitHub cannot merge because its base
 * moved and now conflicts with its head (a phase PR after another phase merged into the
 * initiative branch). A merge agent merges the base into the head, on the head branch, and the
 * pull request then waits for a fresh approval of its new head (in yolo, for its checks).
 * Pure: the task's title and text, and what the pull request is told at each step. The task is
 * carried like a refine (no issue, tied to the pull request), so it talks in one comment there.
 */
import type { RefinePullRequest } from "./refine-review.js";
import type { TaskCategory } from "./statuses.js";
import { TASK_RETRY_HINT } from "./refine-review.js";

/** Work on one of the app's pull requests (a task with a `pull_request_id`): a branch update is category `merge`, anything else a refine. */
export function workKindOf(category: TaskCategory): "refine" | "update" {
  return category === "merge" ? "update" : "refine";
}

export function updateTitle(pr: RefinePullRequest): string {
  return `Merge ${pr.base} into ${pr.head} (#${pr.number})`;
}

/** The task's text (task.md's body): what the merge agent is there for. */
export function updateInput(pr: RefinePullRequest): string {
  return [
    `# Conflicts between pull request #${pr.number} and its base`,
    "",
    `The pull request merges \`${pr.head}\` into \`${pr.base}\`, and \`${pr.base}\` has moved since: GitHub cannot merge it. ` +
      `\`${pr.base}\` is being merged into \`${pr.head}\` in your worktree, stopped at the conflicts (\`.cw/input/merge.md\` lists them). ` +
      "Resolve every conflict so that both sides' intent is kept, and leave the merge to be committed.",
  ].join("\n");
}

/** The first line of every comment about the update. */
export function updateHeader(pr: RefinePullRequest): string {
  return `🔀 **Conflicts with \`${pr.base}\`**: GitHub cannot merge \`${pr.head}\` into it as it is.`;
}

export function updateQueuedBody(pr: RefinePullRequest, behindAnother: boolean): string {
  return [
    updateHeader(pr),
    "",
    `⏳ A merge agent will merge \`${pr.base}\` into \`${pr.head}\` and resolve the conflicts${behindAnother ? ", once the agent at work on this pull request is done" : ""}.`,
    "Nothing merges meanwhile; afterwards the new head needs a fresh approval.",
  ].join("\n");
}

export function updateStartedBody(pr: RefinePullRequest, agentName: string, startedAt: Date, attempt: number, retry: number): string {
  return [
    updateHeader(pr),
    "",
    `🤖 Agent \`${agentName}\` is merging \`${pr.base}\` into \`${pr.head}\`.`,
    "",
    `- **Started:** ${startedAt.toISOString()}`,
    `- **Attempt:** ${attempt}${retry > 0 ? ` (retry ${retry})` : ""}`,
  ].join("\n");
}

/**
 * The outcome of the run (as the runner describes it) under the header. Done: whoever approved
 * the old head is asked to approve the new one; with nobody to ask (yolo), it merges once its
 * checks pass.
 */
export function updateOutcomeBody(pr: RefinePullRequest, outcome: string, completed: boolean, approvers: readonly string[]): string {
  const after = completed
    ? approvers.length
      ? `${approvers.map((a) => `@${a}`).join(", ")}: \`${pr.head}\` is up to date with \`${pr.base}\`; approve its new head to merge it.`
      : `\`${pr.head}\` is up to date with \`${pr.base}\`; it merges once its new head passes its checks.`
    : null;
  return [updateHeader(pr), "", outcome.replace(TASK_RETRY_HINT, UPDATE_RETRY_HINT), ...(after ? ["", after] : [])].join("\n");
}

export function updateCancelledBody(pr: RefinePullRequest): string {
  return [updateHeader(pr), "", "⏹️ The pull request was closed or merged: the update was cancelled."].join("\n");
}

/** What a failed update says instead of the task's retry hint. */
export const UPDATE_RETRY_HINT = "Nothing was pushed to the pull request. `/cw retry` here (or approving it again) tries again.";
