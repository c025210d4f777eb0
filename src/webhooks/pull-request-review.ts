/**
 * pull_request_review on the app's pull requests:
 * - an approval by a writer on the current head merges the pull request (guarded by that head).
 *   Approvals by bots, by people without write access, or of an older commit merge nothing; the
 *   latter two are told why, as is an approval while a refine is queued or at work;
 * - "request changes" by a writer becomes a refine task: the review's body and every line comment
 *   (read here, with its file, line and diff hunk) are what its agent is given. Bots are ignored;
 *   people without write access get the polite refusal;
 * - a dismissed review cancels the refine it asked for, if that has not started.
 */
import type { Context } from "probot";
import { and, eq } from "drizzle-orm";
import { pullRequests } from "../db/schema.js";
import { approvePullRequest } from "../core/commands/sync-pull-request.js";
import { dismissRefine, requestRefine } from "../core/commands/request-refine.js";
import { repoConfigOf, repoRefOf } from "../core/commands/project-repo.js";
import type { Project } from "../core/commands/upsert-project.js";
import type { ReviewLineComment } from "../core/refine-review.js";
import { sanitizeIssueText } from "../core/sanitize.js";
import { recordIntents } from "../core/commands/record-intents.js";
import type { Services } from "../services.js";
import { authorize } from "./authorize.js";
import { projectFor } from "./project-for.js";

export const STALE_APPROVAL_MARKER = "stale-approval";
export const REFINING_APPROVAL_MARKER = "approval-while-refining";

type ReviewContext = Context<"pull_request_review">;

export function onPullRequestReview(services: Services) {
  return async (context: ReviewContext): Promise<void> => {
    const { payload } = context;
    if (payload.action === "dismissed") return onDismissed(services, context);
    if (payload.action !== "submitted" || payload.sender.type === "Bot") return;
    const state = payload.review.state.toLowerCase();
    if (state === "approved") return onApproved(services, context);
    if (state === "changes_requested") return onChangesRequested(services, context);
  };
}

async function onApproved(services: Services, context: ReviewContext): Promise<void> {
  const { payload } = context;
  const project = await projectFor(services, payload);
  const pr = payload.pull_request;
  if (!(await authorize(services, context, project, pr.number, payload.sender, "approve Codewalkers pull requests"))) return;
  const config = repoConfigOf(project);
  const outcome = await approvePullRequest(services.database.db, project, {
    number: pr.number,
    reviewedSha: payload.review.commit_id,
    headSha: pr.head.sha,
    by: payload.sender.login,
    method: config.mergeMethod,
  });
  const reply = (marker: string, body: string) =>
    recordIntents(services.database.db, [{ kind: "upsert-comment", repo: repoRefOf(project), issueNumber: pr.number, marker, body }]);
  if (outcome === "stale") {
    await reply(
      STALE_APPROVAL_MARKER,
      `@${payload.sender.login} your approval is of ${payload.review.commit_id.slice(0, 7)}, but the head is now ${pr.head.sha.slice(0, 7)}: nothing was merged. Approve the current head to merge it.`,
    );
  } else if (outcome === "refining") {
    await reply(
      REFINING_APPROVAL_MARKER,
      `@${payload.sender.login} changes were requested on this pull request and an agent is making them: nothing was merged. Approve the head it pushes to merge it (or dismiss the review before its refine starts).`,
    );
  } else if (outcome === "updating") {
    await reply(
      REFINING_APPROVAL_MARKER,
      `@${payload.sender.login} this pull request conflicts with \`${pr.base.ref}\` and an agent is merging it in: nothing was merged. Approve the head it pushes to merge it.`,
    );
  }
  services.wakeOutbox();
}

async function onChangesRequested(services: Services, context: ReviewContext): Promise<void> {
  const { payload } = context;
  const project = await projectFor(services, payload);
  const pr = payload.pull_request;
  // Other people's pull requests are none of the app's business: no refusal, no read.
  if (!(await isOurs(services, project, pr.number))) return;
  if (!(await authorize(services, context, project, pr.number, payload.sender, "have Codewalkers make requested changes"))) return;
  const { owner, repo } = repoRefOf(project);
  const listed = await context.octokit.paginate(context.octokit.rest.pulls.listCommentsForReview, {
    owner,
    repo,
    pull_number: pr.number,
    review_id: payload.review.id,
    per_page: 100,
  });
  const comments: ReviewLineComment[] = listed.map((c) => ({
    id: c.id,
    inReplyTo: c.in_reply_to_id ?? null,
    path: c.path,
    line: c.line ?? c.original_line ?? null,
    startLine: c.start_line ?? c.original_start_line ?? null,
    side: c.side ?? null,
    diffHunk: c.diff_hunk,
    body: sanitizeIssueText(c.body),
  }));
  await requestRefine(services.database.db, project, {
    number: pr.number,
    review: {
      reviewId: payload.review.id,
      reviewer: payload.review.user?.login ?? payload.sender.login,
      body: sanitizeIssueText(payload.review.body),
      htmlUrl: payload.review.html_url,
      commitId: payload.review.commit_id,
      comments,
    },
  });
  services.wakeOutbox();
}

async function onDismissed(services: Services, context: ReviewContext): Promise<void> {
  const { payload } = context;
  const project = await projectFor(services, payload);
  const outcome = await dismissRefine(services.database.db, project, { reviewId: payload.review.id });
  if (outcome === "cancelled" || outcome === "dropped") services.wakeOutbox();
}

async function isOurs(services: Services, project: Project, number: number): Promise<boolean> {
  const [row] = await services.database.db
    .select({ id: pullRequests.id })
    .from(pullRequests)
    .where(and(eq(pullRequests.projectId, project.id), eq(pullRequests.number, number)));
  return row !== undefined;
}
