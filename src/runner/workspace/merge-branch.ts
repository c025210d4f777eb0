/**
 * Merges one remote branch into another (a task into its phase, a phase into its initiative)
 * and pushes the result. The merge is computed in the mirror with `git merge-tree` — the same
 * merge machinery as `git merge`, without checking out a worktree — and recorded as a merge
 * commit (always, like `--no-ff`). A conflict pushes nothing. If the target moved between the
 * fetch and the push, the merge is recomputed once on the new target.
 */
import { assertBranchName } from "./branch-name.js";
import { identityEnv, NO_SIGNING } from "./identity.js";
import { remoteFor, requireRemoteBranches, syncMirror } from "./mirror.js";
import { pushRef } from "./push-ref.js";
import { gitText, runGit } from "./run-git.js";
import type { GitAuthor, MergeResult, RepoRef } from "./types.js";

export interface MergeBranchInput {
  repo: RepoRef;
  source: string;
  target: string;
  message: string;
  author: GitAuthor;
  token?: string;
}

/** The target branch moved again after the retry: someone else is pushing to it right now. */
export class BranchMovedError extends Error {
  override readonly name = "BranchMovedError";
  constructor(readonly branch: string) {
    super(`branch ${branch} moved on the remote while merging into it, twice`);
  }
}

export async function mergeBranch(workDir: string, input: MergeBranchInput): Promise<MergeResult> {
  assertBranchName(input.source);
  assertBranchName(input.target);
  const remote = remoteFor(workDir, input.repo, input.token);
  await syncMirror(remote);
  for (let attempt = 1; ; attempt++) {
    const [sourceSha, targetSha] = await requireRemoteBranches(remote.mirror, [input.source, input.target]);
    const result = await mergeCommit(remote.mirror, sourceSha, targetSha, input);
    if (result.status !== "merged") return result;
    if ((await pushRef(remote, remote.mirror, result.sha, input.target)) !== "moved") return result;
    if (attempt === 2) throw new BranchMovedError(input.target);
    await syncMirror(remote);
  }
}

async function mergeCommit(mirror: string, sourceSha: string, targetSha: string, input: MergeBranchInput): Promise<MergeResult> {
  const contained = await runGit({ cwd: mirror, args: ["merge-base", "--is-ancestor", sourceSha, targetSha], allowExitCodes: [1] });
  if (contained.exitCode === 0) return { status: "up-to-date", sha: targetSha };

  // Exit 1 is a conflict; output (-z): the tree, then each conflicted path once.
  const merge = await runGit({
    cwd: mirror,
    args: ["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", targetSha, sourceSha],
    allowExitCodes: [1],
  });
  const [tree, ...conflicted] = merge.stdout.split("\0").filter((part) => part !== "");
  if (merge.exitCode === 1) return { status: "conflict", files: [...new Set(conflicted)] };
  if (!tree) throw new Error(`git merge-tree printed no tree for ${targetSha} ${sourceSha}`);

  const message = input.message.endsWith("\n") ? input.message : `${input.message}\n`;
  const sha = await gitText({
    cwd: mirror,
    env: identityEnv(input.author),
    input: message,
    args: [...NO_SIGNING, "commit-tree", tree, "-p", targetSha, "-p", sourceSha, "-F", "-"],
  });
  return { status: "merged", sha };
}
