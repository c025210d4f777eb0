/**
 * Merges one remote branch into another (a task into its phase, a phase into its initiative)
 * and pushes the result. The merge is computed in the mirror with `git merge-tree` — the same
 * merge machinery as `git merge`, without checking out a worktree — and recorded as a merge
 * commit (always, like `--no-ff`). A conflict pushes nothing. The runs of one runner merging
 * into the same branch take turns (`mergeTurns`): eight agents finishing at once no longer race
 * each other's pushes. If the target still moved between the fetch and the push (another runner
 * or a person pushed), the merge is recomputed on the new target, up to `PUSH_ATTEMPTS` times
 * with a jittered pause: giving up fails the run, and its agent's whole work is done again on
 * the retry, so the attempts are many and cheap.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { backoffMs } from "../../lib/backoff.js";
import { assertBranchName } from "./branch-name.js";
import { KeyedMutex } from "./keyed-mutex.js";
import { remoteFor, requireRemoteBranches, syncMirror } from "./mirror.js";
import { pushRef } from "./push-ref.js";
import { commitMerge, isAncestor, mergeTrees } from "./merge-tree.js";
import type { GitAuthor, MergeResult, RepoRef } from "./types.js";

export interface MergeBranchInput {
  repo: RepoRef;
  source: string;
  target: string;
  message: string;
  author: GitAuthor;
  token?: string;
}

/** Merges onto a target that keeps moving (other runners, people): each attempt is a fetch and a push. */
export const PUSH_ATTEMPTS = 8;

/** Per mirror and target branch: this process's merges into it, one at a time. */
const mergeTurns = new KeyedMutex();

/** The target branch moved again after every retry: someone else is pushing to it right now. */
export class BranchMovedError extends Error {
  override readonly name = "BranchMovedError";
  constructor(readonly branch: string) {
    super(`branch ${branch} moved on the remote while merging into it, ${PUSH_ATTEMPTS} times`);
  }
}

export async function mergeBranch(workDir: string, input: MergeBranchInput): Promise<MergeResult> {
  assertBranchName(input.source);
  assertBranchName(input.target);
  const remote = remoteFor(workDir, input.repo, input.token);
  // A fetch made while this merge waited its turn serves it (the merges before it pushed, and
  // their pushes moved the mirror too); a target that moved anyway costs one retry.
  const askedAt = performance.now();
  return mergeTurns.run(`${remote.mirror}\n${input.target}`, async () => {
    await syncMirror(remote, askedAt);
    for (let attempt = 1; ; attempt++) {
      const [sourceSha, targetSha] = await requireRemoteBranches(remote.mirror, [input.source, input.target]);
      const result = await mergeCommit(remote.mirror, sourceSha, targetSha, input);
      if (result.status !== "merged") return result;
      if ((await pushRef(remote, remote.mirror, result.sha, input.target)) !== "moved") return result;
      if (attempt === PUSH_ATTEMPTS) throw new BranchMovedError(input.target);
      // The others' pushes land meanwhile; a pause keeps those that lost from meeting again.
      await sleep(backoffMs(attempt, 50, 1_000));
      await syncMirror(remote);
    }
  });
}

async function mergeCommit(mirror: string, sourceSha: string, targetSha: string, input: MergeBranchInput): Promise<MergeResult> {
  if (await isAncestor(mirror, sourceSha, targetSha)) return { status: "up-to-date", sha: targetSha };
  const merge = await mergeTrees(mirror, targetSha, sourceSha);
  if (merge.status === "conflict") return merge;
  return { status: "merged", sha: await commitMerge(mirror, merge.tree, [targetSha, sourceSha], input.message, input.author) };
}
