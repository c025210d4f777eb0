/** Draft → ready for review and back (GraphQL: REST cannot do it), and review requests (first and again). */
import type { Db } from "../../db/client.js";
import type { MarkDraftIntent, MarkReadyIntent, RequestReviewAgainIntent, RequestReviewersIntent } from "../../core/intents.js";
import type { AppOctokit } from "../octokit.js";
import { NotYetError } from "../classify-error.js";
import { findPullRequest, updatePullRequest } from "../pull-request-store.js";

export async function markReady(octokit: AppOctokit, intent: MarkReadyIntent, db: Db): Promise<void> {
  const pr = await findPullRequest(db, intent.repo, intent.head, intent.base);
  if (!pr?.nodeId) throw new NotYetError(`no pull request from ${intent.head} yet`);
  if (!pr.draft) return;
  await octokit.graphql(`mutation MarkReady($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } } }`, {
    id: pr.nodeId,
  });
  await updatePullRequest(db, pr.id, { draft: false });
}

/** Ready → draft again (GraphQL), when a verification failed on the head people would review. */
export async function markDraft(octokit: AppOctokit, intent: MarkDraftIntent, db: Db): Promise<void> {
  const pr = await findPullRequest(db, intent.repo, intent.head, intent.base);
  if (!pr?.nodeId || pr.draft) return;
  await octokit.graphql(`mutation MarkDraft($id: ID!) { convertPullRequestToDraft(input: { pullRequestId: $id }) { pullRequest { isDraft } } }`, {
    id: pr.nodeId,
  });
  await updatePullRequest(db, pr.id, { draft: true });
}

export async function requestReviewers(octokit: AppOctokit, intent: RequestReviewersIntent, db: Db): Promise<void> {
  const pr = await findPullRequest(db, intent.repo, intent.head, intent.base);
  if (!pr?.number) throw new NotYetError(`no pull request from ${intent.head} yet`);
  const users = intent.reviewers.filter((r) => !r.includes("/"));
  const teams = intent.reviewers.filter((r) => r.includes("/")).map((r) => r.split("/")[1]!);
  if (users.length === 0 && teams.length === 0) return;
  await octokit.rest.pulls.requestReviewers({
    owner: intent.repo.owner,
    repo: intent.repo.repo,
    pull_number: pr.number,
    ...(users.length ? { reviewers: users } : {}),
    ...(teams.length ? { team_reviewers: teams } : {}),
  });
}

/** GitHub's "re-request review": the same request, for people who already reviewed. */
export async function requestReviewAgain(octokit: AppOctokit, intent: RequestReviewAgainIntent): Promise<void> {
  if (intent.reviewers.length === 0) return;
  await octokit.rest.pulls.requestReviewers({
    owner: intent.repo.owner,
    repo: intent.repo.repo,
    pull_number: intent.pullNumber,
    reviewers: intent.reviewers,
  });
}
