/** The public shapes of the runner's git workspace. */

/** A repository as the runner knows it: the project's owner, name and `clone_url`. */
export interface RepoRef {
  owner: string;
  name: string;
  /** The remote, used exactly as given: https (token sent as a header), a local path or file://. */
  cloneUrl: string;
}

export interface GitAuthor {
  name: string;
  email: string;
}

export interface MirrorSync {
  /** The bare mirror's directory: `<workDir>/mirrors/<owner>__<name>.git` (lower case). */
  path: string;
  /** True when this call cloned the mirror. */
  created: boolean;
}

export interface RemoteBranch {
  created: boolean;
  sha: string;
}

export interface Worktree {
  path: string;
  headSha: string;
  /** True when the branch already existed on the remote and the worktree continues from it. */
  resumed: boolean;
}

export interface CommitResult {
  /** The worktree's HEAD afterwards (also when the agent committed by itself). */
  sha: string;
  committed: boolean;
}

export type PushResult = { pushed: true; sha: string } | { pushed: false; reason: "non-fast-forward"; sha: string };

export type MergeResult = { status: "merged"; sha: string } | { status: "up-to-date"; sha: string } | { status: "conflict"; files: string[] };

export interface DiffStat {
  files: number;
  insertions: number;
  deletions: number;
  /** `git diff --stat` output, its last 50 lines (the summary line is the last). */
  text: string;
}

export interface CommitSummary {
  sha: string;
  subject: string;
}

/** A conflicting merge left in a worktree for an agent (or nothing to merge after all). */
export type ConflictMergeStart =
  | { status: "up-to-date"; sha: string }
  | { status: "in-progress"; path: string; targetSha: string; sourceSha: string; files: string[] };

/** What became of the worktree's merge once the agent was done. */
export type ConflictMergeEnd =
  | { status: "merged"; sha: string }
  | { status: "up-to-date"; sha: string }
  /** Paths still unmerged or holding conflict markers. */
  | { status: "unresolved"; files: string[] }
  /** The merge was aborted, reset or replaced: there is nothing to record. */
  | { status: "abandoned"; reason: string }
  /** The target moved meanwhile, and its new commits conflict with the resolution: start over. */
  | { status: "moved"; files: string[] };
