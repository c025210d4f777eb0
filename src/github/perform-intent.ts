/** Routes an intent to the operation that performs it. */
import type { Db } from "../db/client.js";
import type { GitHubIntent } from "../core/intents.js";
import type { AppOctokit } from "./octokit.js";
import { dbIssueLabelStore } from "./issue-label-store.js";
import { ensureLabels } from "./operations/ensure-labels.js";
import { setStatusLabel } from "./operations/set-status-label.js";
import { upsertComment } from "./operations/upsert-comment.js";
import { ensurePullRequest } from "./operations/ensure-pull-request.js";
import { markDraft, markReady, requestReviewAgain, requestReviewers } from "./operations/pull-request-review.js";
import { replyToReviewComment } from "./operations/reply-review-comment.js";
import { mergePullRequest } from "./operations/merge-pull-request.js";
import { closeIssue, closeMilestone } from "./operations/close-things.js";
import { ensureCheckRun } from "./operations/ensure-check-run.js";
import { addAssignees } from "./operations/add-assignees.js";
import { openTaskIssue } from "./operations/open-task-issue.js";
import { postReview } from "./operations/post-review.js";
import { ensureBoardItem } from "./operations/ensure-board-item.js";
import { addLabels } from "./operations/add-labels.js";
import { createPlannedIssue, editIssue, issueDependency, subIssue } from "./operations/planned-issues.js";

export interface PerformContext {
  db: Db;
  /** True when an earlier attempt at this write failed (it may have half-happened). */
  isRetry: boolean;
}

export async function performIntent(octokit: AppOctokit, intent: GitHubIntent, ctx: PerformContext): Promise<void> {
  switch (intent.kind) {
    case "ensure-labels":
      return ensureLabels(octokit, intent);
    case "set-status-label":
      return setStatusLabel(octokit, intent, dbIssueLabelStore(ctx.db));
    case "upsert-comment":
      return upsertComment(octokit, intent, ctx.db, { isRetry: ctx.isRetry });
    case "ensure-pull-request":
      return ensurePullRequest(octokit, intent, ctx.db);
    case "mark-ready":
      return markReady(octokit, intent, ctx.db);
    case "mark-draft":
      return markDraft(octokit, intent, ctx.db);
    case "request-reviewers":
      return requestReviewers(octokit, intent, ctx.db);
    case "request-review-again":
      return requestReviewAgain(octokit, intent);
    case "reply-review-comment":
      return replyToReviewComment(octokit, intent, ctx.db, { isRetry: ctx.isRetry });
    case "merge-pull-request":
      return mergePullRequest(octokit, intent, ctx.db);
    case "close-issue":
      return closeIssue(octokit, intent, ctx.db);
    case "close-milestone":
      return closeMilestone(octokit, intent);
    case "ensure-check-run":
      return ensureCheckRun(octokit, intent, ctx.db);
    case "add-assignees":
      return addAssignees(octokit, intent);
    case "open-task-issue":
      return openTaskIssue(octokit, intent, ctx.db, { isRetry: ctx.isRetry });
    case "post-review":
      return postReview(octokit, intent, ctx.db, { isRetry: ctx.isRetry });
    case "ensure-board-item":
      return ensureBoardItem(octokit, intent, ctx.db);
    case "add-labels":
      return addLabels(octokit, intent);
    case "create-planned-issue":
      return createPlannedIssue(octokit, intent, ctx.db, { isRetry: ctx.isRetry });
    case "edit-issue":
      return editIssue(octokit, intent, ctx.db);
    case "sub-issue":
      return subIssue(octokit, intent, ctx.db);
    case "issue-dependency":
      return issueDependency(octokit, intent, ctx.db);
  }
}
