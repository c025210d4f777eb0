/** A pull request as GitHub shows it (a webhook's payload, a read or a list) → the facts the app mirrors. */
import type { PullRequestFacts } from "./commands/sync-pull-request.js";

export interface ApiPullRequest {
  number: number;
  node_id: string;
  state: string;
  draft?: boolean;
  /** Only on a single pull request (webhook payloads, reads); lists carry `merged_at` alone. */
  merged?: boolean | null;
  merged_at?: string | null;
  merge_commit_sha: string | null;
  head: { ref: string; sha: string };
  base: { ref: string };
  auto_merge?: { enabled_by?: { type?: string } | null } | null;
}

export function pullRequestFactsOf(pr: ApiPullRequest): PullRequestFacts {
  return {
    number: pr.number,
    nodeId: pr.node_id,
    head: pr.head.ref,
    base: pr.base.ref,
    headSha: pr.head.sha,
    state: pr.state === "closed" ? "closed" : "open",
    draft: pr.draft ?? false,
    merged: pr.merged === true || (pr.merged_at ?? null) !== null,
    mergedSha: pr.merge_commit_sha ?? null,
    autoMergeByBot: pr.auto_merge?.enabled_by?.type === "Bot",
  };
}
