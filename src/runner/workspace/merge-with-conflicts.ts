/**
 * A merge that conflicts, done in a worktree so that an agent can resolve it (the runner's
 * merge agent). `startConflictMerge` checks out the target branch's tip (detached: several
 * merges into one branch may run at once) and runs `git merge --no-ff --no-commit` of the
 * source, leaving the conflict markers (diff3 style: ours, the base, theirs) and MERGE_HEAD in
 * place. `finishConflictMerge` checks what the agent left — the merge still in progress, no
 * unmerged path, no `<<<<<<<` or `>>>>>>>` line in the files that conflicted — and records the
 * worktree as the merge commit
 * (parents: target tip, source tip), pushed fast-forward only.
 *
 * If the target moved while the agent worked, the resolution is carried onto the new tip: the
 * resolved commit is merged into it with `git merge-tree`, and when that is clean the result is
 * committed with the parents (new tip, source) and pushed again. When it conflicts (the new
 * commits touch the resolved lines), the caller starts over on the new tip.
 */
import path from "node:path";
import { assertBranchName } from "./branch-name.js";
import { stageAll } from "./commit-all.js";
import { identityEnv } from "./identity.js";
import { BranchMovedError } from "./merge-branch.js";
import { commitMerge, isAncestor, mergeTrees } from "./merge-tree.js";
import { remoteFor, requireRemoteBranches, syncMirror } from "./mirror.js";
import { pushRef } from "./push-ref.js";
import { gitFailure, gitText, runGit } from "./run-git.js";
import { addDetachedWorktree } from "./worktrees.js";
import type { ConflictMergeEnd, ConflictMergeStart, GitAuthor, RepoRef } from "./types.js";

export interface StartConflictMergeInput {
  repo: RepoRef;
  /** The branch merged (the task's). */
  source: string;
  /** The branch merged into (the phase's or the initiative's). */
  target: string;
  /** Where the worktree goes; a leftover worktree there is replaced. */
  path: string;
  author: GitAuthor;
  token?: string;
}

export interface FinishConflictMergeInput {
  repo: RepoRef;
  /** The worktree `startConflictMerge` made. */
  path: string;
  target: string;
  /** The two parents the merge must have, as `startConflictMerge` reported them. */
  targetSha: string;
  sourceSha: string;
  /** The paths that conflicted: each must be free of conflict markers. */
  files: readonly string[];
  message: string;
  author: GitAuthor;
  token?: string;
}

/** Pushes tried before giving up on a target that keeps moving. */
const MAX_PUSHES = 3;
const MARKER_LINE = "^(<<<<<<<|>>>>>>>)( |$)";

export async function startConflictMerge(workDir: string, input: StartConflictMergeInput): Promise<ConflictMergeStart> {
  assertBranchName(input.source);
  assertBranchName(input.target);
  const remote = remoteFor(workDir, input.repo, input.token);
  await syncMirror(remote);
  const [sourceSha, targetSha] = await requireRemoteBranches(remote.mirror, [input.source, input.target]);
  if (await isAncestor(remote.mirror, sourceSha, targetSha)) return { status: "up-to-date", sha: targetSha };
  const cwd = await addDetachedWorktree(remote.mirror, input.path, targetSha);
  // The remote-tracking name, not a sha, so the markers name the branch (">>>>>>> origin/cw/task-…").
  const merge = {
    cwd,
    env: identityEnv(input.author),
    args: ["-c", "merge.conflictStyle=diff3", "-c", "rerere.enabled=false", "merge", "--no-ff", "--no-commit", "--quiet", `origin/${input.source}`],
    allowExitCodes: [1],
  };
  const output = await runGit(merge);
  // Exit 1 is a conflict, with the merge in progress; without MERGE_HEAD the merge did not start.
  const mergeHead = await mergeHeadOf(cwd);
  if (!mergeHead) throw gitFailure(merge, output);
  const conflicted = await gitText({ cwd, args: ["diff", "--name-only", "--diff-filter=U", "-z"] });
  return { status: "in-progress", path: cwd, targetSha, sourceSha: mergeHead, files: splitZ(conflicted) };
}

export async function finishConflictMerge(workDir: string, input: FinishConflictMergeInput): Promise<ConflictMergeEnd> {
  assertBranchName(input.target);
  const cwd = path.resolve(input.path);
  const remote = remoteFor(workDir, input.repo, input.token);
  const parents = await mergeParents(cwd);
  if (parents?.[0] !== input.targetSha || parents[1] !== input.sourceSha) {
    return { status: "abandoned", reason: "the merge is no longer in progress in the worktree (aborted or reset)" };
  }

  await stageAll(cwd);
  const unmerged = splitZ(await gitText({ cwd, args: ["diff", "--cached", "--name-only", "--diff-filter=U", "-z"] }));
  const marked = await filesWithMarkers(cwd, input.files);
  const left = [...new Set([...unmerged, ...marked])];
  if (left.length > 0) return { status: "unresolved", files: left };

  const tree = await gitText({ cwd, args: ["write-tree"] });
  const resolved = await commitMerge(cwd, tree, [input.targetSha, input.sourceSha], input.message, input.author);
  let sha = resolved;
  for (let attempt = 1; ; attempt++) {
    if ((await pushRef(remote, remote.mirror, sha, input.target)) !== "moved") return { status: "merged", sha };
    if (attempt === MAX_PUSHES) throw new BranchMovedError(input.target);
    await syncMirror(remote);
    const [tip] = await requireRemoteBranches(remote.mirror, [input.target]);
    if (await isAncestor(remote.mirror, input.sourceSha, tip)) return { status: "up-to-date", sha: tip };
    const carried = await mergeTrees(remote.mirror, tip, resolved);
    if (carried.status === "conflict") return { status: "moved", files: carried.files };
    sha = await commitMerge(remote.mirror, carried.tree, [tip, input.sourceSha], input.message, input.author);
  }
}

async function mergeHeadOf(cwd: string): Promise<string | null> {
  const out = await runGit({ cwd, args: ["rev-parse", "-q", "--verify", "MERGE_HEAD^{commit}"], allowExitCodes: [1] });
  return out.exitCode === 0 ? out.stdout.trim() : null;
}

/**
 * The parents the worktree's merge will have: HEAD and MERGE_HEAD. (The agent cannot change
 * them: they live in the worktree's git directory, which is the runner's. This guards against
 * anything else that touched the merge.)
 */
async function mergeParents(cwd: string): Promise<string[] | null> {
  const head = await gitText({ cwd, args: ["rev-parse", "--verify", "HEAD^{commit}"] });
  const mergeHead = await mergeHeadOf(cwd);
  return mergeHead ? [head, mergeHead] : null;
}

/** Which of `files`, as staged, still hold a conflict-marker line (binary files are skipped). */
async function filesWithMarkers(cwd: string, files: readonly string[]): Promise<string[]> {
  if (files.length === 0) return [];
  const pathspecs = files.map((file) => `:(literal)${file}`);
  const out = await runGit({ cwd, args: ["grep", "--cached", "-I", "-l", "-z", "-E", "-e", MARKER_LINE, "--", ...pathspecs], allowExitCodes: [1] });
  return splitZ(out.stdout);
}

function splitZ(text: string): string[] {
  return text.split("\0").filter((part) => part !== "");
}
