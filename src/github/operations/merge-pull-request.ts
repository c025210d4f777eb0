/**
 * Merges a pull request with its approved head as guard. A head that moved (409) merges
 * nothing and says so, and turns off the auto-merge the app armed for that head; a head that
 * conflicts with its base gets a branch update (a merge agent merges the base in, and the new
 * head waits for a fresh approval); a repository that requires checks or reviews (405) gets
 * GitHub's auto-merge with the same guard, or, where the base requires a merge queue and
 * auto-merge is not allowed, goes into the queue with the same guard; anything still in the
 * way is said in a comment, never swallowed.
 */
import type { Db } from "../../db/client.js";
import type { MergePullRequestIntent } from "../../core/intents.js";
import type { AppOctokit } from "../octokit.js";
import { NotYetError } from "../classify-error.js";
import { PacedWrite } from "../write-pacer.js";
import { findPullRequest, updatePullRequest, type PullRequestRow } from "../pull-request-store.js";
import { upsertComment } from "./upsert-comment.js";
import { markReconcileDue } from "../../db/reconcile-due.js";

export const MERGE_MARKER = "merge";

export async function mergePullRequest(octokit: AppOctokit, intent: MergePullRequestIntent, db: Db): Promise<void> {
  const { owner, repo } = intent.repo;
  const pr = await findPullRequest(db, intent.repo, intent.head, intent.base);
  if (!pr?.number) throw new NotYetError(`no pull request from ${intent.head} yet`);
  if (pr.merged || pr.state === "closed") return;
  try {
    const { data } = await octokit.rest.pulls.merge({ owner, repo, pull_number: pr.number, sha: intent.sha, merge_method: intent.method });
    await learned(db, pr, { merged: true, mergedSha: data.sha, state: "closed", mergeBlockedReason: null });
  } catch (error) {
    const status = (error as { status?: number }).status;
    const message = (error as { response?: { data?: { message?: string } } }).response?.data?.message ?? String(error);
    if (status === 409) {
      await headMoved(octokit, intent, pr, db);
      return;
    }
    if (status === 405 || status === 422) {
      const { data: current } = await octokit.rest.pulls.get({ owner, repo, pull_number: pr.number });
      // Merged meanwhile (by an earlier attempt whose answer was lost, GitHub's auto-merge or the
      // queue) or closed: nothing to merge, but the app learns it, and its phase goes on.
      if (current.merged || current.state === "closed") {
        await learned(db, pr, {
          merged: current.merged,
          mergedSha: current.merged ? current.merge_commit_sha : null,
          state: "closed",
          headSha: current.head.sha,
          mergeBlockedReason: null,
        });
        return;
      }
      if (current.head.sha !== intent.sha) {
        await headMoved(octokit, intent, pr, db, current);
        return;
      }
      // GitHub works mergeability out after the base moves: null means not yet. Asked again later.
      if (current.mergeable === null) throw new NotYetError(`GitHub has not yet worked out whether #${pr.number} can merge`);
      if (current.mergeable === false) {
        // It conflicts with its base: the reconcile queues a branch update (a merge agent merges
        // the base in; the new head then needs a fresh approval).
        await learned(db, pr, { conflictSha: intent.sha });
        return;
      }
      if (await enableAutoMerge(octokit, pr.nodeId, intent)) {
        await say(
          octokit,
          intent,
          pr,
          db,
          `GitHub cannot merge it yet (${message}): auto-merge is on, so it merges by itself once the repository's rules are met.`,
        );
        return;
      }
      // A base that requires a merge queue, where auto-merge is not allowed: the queue merges it.
      if (await enqueue(octokit, pr.nodeId, intent)) {
        await say(
          octokit,
          intent,
          pr,
          db,
          `GitHub cannot merge it directly (${message}): it is in the merge queue, which merges it once the repository's rules are met.`,
        );
        return;
      }
      await say(
        octokit,
        intent,
        pr,
        db,
        `Waiting to merge: ${message}. It is tried again when a check suite passes on this head, or when it is approved again.`,
      );
      return;
    }
    throw error;
  }
}

/** What GitHub said of the pull request is recorded, and its project is owed a reconcile (its phase may go on). */
async function learned(db: Db, pr: PullRequestRow, values: Partial<PullRequestRow>): Promise<void> {
  await db.transaction(async (tx) => {
    await updatePullRequest(tx, pr.id, values);
    await markReconcileDue(tx, pr.projectId);
  });
}

/**
 * The head is no longer the approved one: nothing merges. GitHub's auto-merge, once on, follows
 * the branch (the expected head is only checked when it is enabled), so auto-merge a bot turned
 * on for the approved head (the app, waiting for required checks) is turned off: it would
 * otherwise merge commits nobody approved. A person's own auto-merge is theirs to keep.
 */
async function headMoved(
  octokit: AppOctokit,
  intent: MergePullRequestIntent,
  pr: PullRequestRow,
  db: Db,
  current?: { auto_merge?: { enabled_by?: { type?: string } | null } | null },
): Promise<void> {
  const { owner, repo } = intent.repo;
  const now = current ?? (await octokit.rest.pulls.get({ owner, repo, pull_number: pr.number! })).data;
  const armed = now.auto_merge?.enabled_by?.type === "Bot" && pr.nodeId !== null;
  if (armed) {
    await octokit.graphql(`mutation DisableAutoMerge($id: ID!) { disablePullRequestAutoMerge(input: { pullRequestId: $id }) { clientMutationId } }`, {
      id: pr.nodeId,
    });
  }
  await say(
    octokit,
    intent,
    pr,
    db,
    `The branch moved after the approval (it is no longer at ${intent.sha.slice(0, 7)}), so nothing was merged${armed ? " and auto-merge is off" : ""}. Review and approve the new head to merge it.`,
  );
}

async function enableAutoMerge(octokit: AppOctokit, nodeId: string | null, intent: MergePullRequestIntent): Promise<boolean> {
  if (!nodeId) return false;
  try {
    await octokit.graphql(
      // Not `$method`: @octokit/graphql takes `method` as a request option, not a variable.
      `mutation AutoMerge($id: ID!, $mergeMethod: PullRequestMergeMethod!, $sha: GitObjectID!) {
        enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: $mergeMethod, expectedHeadOid: $sha }) { clientMutationId }
      }`,
      { id: nodeId, mergeMethod: intent.method.toUpperCase(), sha: intent.sha },
    );
    return true;
  } catch (error) {
    if (error instanceof PacedWrite) throw error;
    return false;
  }
}

async function enqueue(octokit: AppOctokit, nodeId: string | null, intent: MergePullRequestIntent): Promise<boolean> {
  if (!nodeId) return false;
  try {
    await octokit.graphql(
      `mutation Enqueue($id: ID!, $sha: GitObjectID!) { enqueuePullRequest(input: { pullRequestId: $id, expectedHeadOid: $sha }) { clientMutationId } }`,
      { id: nodeId, sha: intent.sha },
    );
    return true;
  } catch (error) {
    if (error instanceof PacedWrite) throw error;
    return false;
  }
}

/** Says why it did not merge, in the one merge comment the pull request keeps (edited, not posted again). */
async function say(octokit: AppOctokit, intent: MergePullRequestIntent, pr: PullRequestRow, db: Db, text: string): Promise<void> {
  await updatePullRequest(db, pr.id, { mergeBlockedReason: text });
  await upsertComment(octokit, { kind: "upsert-comment", repo: intent.repo, issueNumber: pr.number!, marker: MERGE_MARKER, body: `⏸️ ${text}` }, db, {
    isRetry: false,
  });
}
