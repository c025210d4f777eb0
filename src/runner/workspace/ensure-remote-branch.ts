/**
 * Creates a branch on the remote from another branch's tip, if it is not there yet: a push of
 * the sha from the mirror, no worktree. The push only creates (a lease on "absent"), so a branch
 * someone made meanwhile is kept and reported as existing.
 */
import { assertBranchName } from "./branch-name.js";
import { MissingBranchError, remoteBranchShas, remoteFor, requireRemoteBranches, syncMirror } from "./mirror.js";
import { pushRef } from "./push-ref.js";
import type { RemoteBranch, RepoRef } from "./types.js";

export interface EnsureRemoteBranchInput {
  repo: RepoRef;
  branch: string;
  /** The branch to start from when `branch` is missing. */
  from: string;
  token?: string;
  /** The mirror is fetched unless it was fetched since this time (`performance.now()`); default: now. */
  freshAsOf?: number;
}

export async function ensureRemoteBranch(workDir: string, input: EnsureRemoteBranchInput): Promise<RemoteBranch> {
  assertBranchName(input.branch);
  assertBranchName(input.from);
  const remote = remoteFor(workDir, input.repo, input.token);
  await syncMirror(remote, input.freshAsOf);
  const tips = await remoteBranchShas(remote.mirror, [input.branch, input.from]);
  const existing = tips.get(input.branch);
  if (existing) return { created: false, sha: existing };
  const fromSha = tips.get(input.from);
  if (!fromSha) throw new MissingBranchError(input.from);

  const outcome = await pushRef(remote, remote.mirror, fromSha, input.branch, { mustNotExist: true });
  if (outcome !== "moved") return { created: outcome === "pushed", sha: fromSha };
  await syncMirror(remote);
  const [sha] = await requireRemoteBranches(remote.mirror, [input.branch]);
  return { created: false, sha };
}
