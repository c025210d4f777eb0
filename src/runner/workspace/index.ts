/**
 * The runner's git workspace: bare mirrors, agent worktrees, commits, pushes and merges, on
 * real git. Bound to one work directory (`CW_WORKDIR`); locks are per mirror and shared by every
 * workspace in the process.
 */
import { commitAll, type CommitAllInput } from "./commit-all.js";
import { ensureRemoteBranch, type EnsureRemoteBranchInput } from "./ensure-remote-branch.js";
import { commitsBetween, diffStat, diffText, type RangeInput } from "./history.js";
import { mergeBranch, type MergeBranchInput } from "./merge-branch.js";
import { finishConflictMerge, startConflictMerge, type FinishConflictMergeInput, type StartConflictMergeInput } from "./merge-with-conflicts.js";
import { mirrorPath, remoteFor, syncMirror } from "./mirror.js";
import { pushBranch, type PushBranchInput } from "./push-branch.js";
import { addWorktree, removeWorktree, type AddWorktreeInput } from "./worktrees.js";
import type {
  CommitResult,
  ConflictMergeEnd,
  ConflictMergeStart,
  CommitSummary,
  DiffStat,
  MergeResult,
  MirrorSync,
  PushResult,
  RemoteBranch,
  RepoRef,
  Worktree,
} from "./types.js";

export interface GitWorkspace {
  readonly workDir: string;
  mirrorPath(repo: RepoRef): string;
  /** Clones the mirror if missing, else fetches (with prune). Every operation below does this itself. */
  syncMirror(input: { repo: RepoRef; token?: string }): Promise<MirrorSync>;
  ensureRemoteBranch(input: EnsureRemoteBranchInput): Promise<RemoteBranch>;
  addWorktree(input: AddWorktreeInput): Promise<Worktree>;
  removeWorktree(path: string): Promise<void>;
  commitAll(input: CommitAllInput): Promise<CommitResult>;
  pushBranch(input: PushBranchInput): Promise<PushResult>;
  mergeBranch(input: MergeBranchInput): Promise<MergeResult>;
  /** A conflicting merge left in a worktree, for the merge agent; then its resolution, committed and pushed. */
  startConflictMerge(input: StartConflictMergeInput): Promise<ConflictMergeStart>;
  finishConflictMerge(input: FinishConflictMergeInput): Promise<ConflictMergeEnd>;
  diffStat(input: RangeInput): Promise<DiffStat>;
  /** The patch `head` adds to `base` (from their merge base), for agents that review or verify it. */
  diffText(input: RangeInput): Promise<string>;
  commitsBetween(input: RangeInput): Promise<CommitSummary[]>;
}

export function createGitWorkspace(options: { workDir: string }): GitWorkspace {
  const { workDir } = options;
  return {
    workDir,
    mirrorPath: (repo) => mirrorPath(workDir, repo),
    syncMirror: ({ repo, token }) => syncMirror(remoteFor(workDir, repo, token)),
    ensureRemoteBranch: (input) => ensureRemoteBranch(workDir, input),
    addWorktree: (input) => addWorktree(workDir, input),
    removeWorktree: (path) => removeWorktree(path),
    commitAll: (input) => commitAll(input),
    pushBranch: (input) => pushBranch(workDir, input),
    mergeBranch: (input) => mergeBranch(workDir, input),
    startConflictMerge: (input) => startConflictMerge(workDir, input),
    finishConflictMerge: (input) => finishConflictMerge(workDir, input),
    diffStat: (input) => diffStat(workDir, input),
    diffText: (input) => diffText(workDir, input),
    commitsBetween: (input) => commitsBetween(workDir, input),
  };
}

export { gitAuthArgs } from "./git-auth.js";
export { GitError } from "./run-git.js";
export { MissingBranchError } from "./mirror.js";
export { BranchMovedError } from "./merge-branch.js";
export type {
  AddWorktreeInput,
  CommitAllInput,
  EnsureRemoteBranchInput,
  FinishConflictMergeInput,
  MergeBranchInput,
  PushBranchInput,
  RangeInput,
  StartConflictMergeInput,
};
export type * from "./types.js";
