/**
 * Pushes a worktree's HEAD to its branch on the remote, fast-forward only. A remote that moved
 * is reported, not resolved: the caller decides whether to rebase, merge or give up.
 */
import path from "node:path";
import { assertBranchName } from "./branch-name.js";
import { remoteFor } from "./mirror.js";
import { pushRef } from "./push-ref.js";
import { gitText } from "./run-git.js";
import type { PushResult, RepoRef } from "./types.js";

export interface PushBranchInput {
  repo: RepoRef;
  /** The worktree whose HEAD is pushed. */
  path: string;
  branch: string;
  token?: string;
}

export async function pushBranch(workDir: string, input: PushBranchInput): Promise<PushResult> {
  assertBranchName(input.branch);
  const remote = remoteFor(workDir, input.repo, input.token);
  const sha = await gitText({ cwd: path.resolve(input.path), args: ["rev-parse", "--verify", "HEAD^{commit}"] });
  // Pushed from the mirror (same objects): the worktree's own files are the agent's to change.
  const outcome = await pushRef(remote, remote.mirror, sha, input.branch);
  return outcome === "moved" ? { pushed: false, reason: "non-fast-forward", sha } : { pushed: true, sha };
}
