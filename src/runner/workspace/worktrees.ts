/**
 * Worktrees for agents, added from the repository's mirror (`git worktree add`, no clone). A
 * worktree sits on a local branch of the same name as the remote branch it will be pushed to;
 * when the remote already has that branch (an earlier attempt's pushed work) it continues from
 * there, otherwise it starts from the base branch. The local branch is reset either way: the
 * remote, not a leftover local branch, holds the truth.
 */
import { readFile, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { assertBranchName } from "./branch-name.js";
import { MissingBranchError, mirrorLock, remoteBranchShas, remoteFor, syncMirror } from "./mirror.js";
import { GitError, runGit } from "./run-git.js";
import type { RepoRef, Worktree } from "./types.js";

export interface AddWorktreeInput {
  repo: RepoRef;
  /** The local and remote branch the work goes to. */
  branch: string;
  /** The remote branch to start from when `branch` is not on the remote yet. */
  base: string;
  /** Where the worktree goes; a leftover worktree there is replaced. */
  path: string;
  token?: string;
  /** The mirror is fetched unless it was fetched since this time (`performance.now()`); default: now. */
  freshAsOf?: number;
}

/** Worktree path → its mirror, for removal even after an agent deleted the `.git` file. */
const worktreeMirrors = new Map<string, string>();

/** `worktree add` failures that a prune of entries whose folders are gone can fix. */
const STALE_ENTRY = /already checked out|already used by worktree|already registered|missing but/;

export async function addWorktree(workDir: string, input: AddWorktreeInput): Promise<Worktree> {
  assertBranchName(input.branch);
  assertBranchName(input.base);
  const remote = remoteFor(workDir, input.repo, input.token);
  const target = path.resolve(input.path);
  await syncMirror(remote, input.freshAsOf);
  const tips = await remoteBranchShas(remote.mirror, [input.branch, input.base]);
  const resumedFrom = tips.get(input.branch);
  const headSha = resumedFrom ?? tips.get(input.base);
  if (!headSha) throw new MissingBranchError(input.base);

  await addAt(remote.mirror, target, ["--no-track", "-B", input.branch, target, headSha]);
  return { path: target, headSha, resumed: resumedFrom !== undefined };
}

/**
 * A worktree at `sha` with a detached HEAD, on no branch: several of them may stand on one
 * commit at once (two merges into the same phase branch). A leftover worktree there is replaced.
 */
export async function addDetachedWorktree(mirror: string, worktreePath: string, sha: string): Promise<string> {
  const target = path.resolve(worktreePath);
  await addAt(mirror, target, ["--detach", target, sha]);
  return target;
}

async function addAt(mirror: string, target: string, args: string[]): Promise<void> {
  await mirrorLock.run(mirror, async () => {
    await clearWorktreePath(mirror, target);
    const add = { cwd: mirror, args: ["worktree", "add", "--quiet", ...args], retryOnLock: true };
    try {
      await runGit(add);
    } catch (error) {
      if (!(error instanceof GitError) || !STALE_ENTRY.test(error.stderrTail)) throw error;
      await runGit({ cwd: mirror, args: ["worktree", "prune"] });
      await runGit(add);
    }
  });
  worktreeMirrors.set(target, mirror);
}

/** Removes the worktree (discarding anything uncommitted) and prunes the mirror's worktree list. */
export async function removeWorktree(worktreePath: string): Promise<void> {
  const target = path.resolve(worktreePath);
  const mirror = worktreeMirrors.get(target) ?? (await mirrorOf(target));
  worktreeMirrors.delete(target);
  if (!mirror) return; // not a worktree, or already gone
  await mirrorLock.run(mirror, () => removeFromMirror(mirror, target));
}

async function removeFromMirror(mirror: string, target: string): Promise<void> {
  try {
    await runGit({ cwd: mirror, args: ["worktree", "remove", "--force", "--force", target] });
  } catch {
    // Half-deleted, or its `.git` file was removed: delete the folder and let prune drop the entry.
    await rm(target, { recursive: true, force: true });
  }
  await runGit({ cwd: mirror, args: ["worktree", "prune"] });
}

/** The mirror a worktree belongs to, from its `.git` file (`gitdir: <mirror>/worktrees/<id>`). */
async function mirrorOf(worktree: string): Promise<string | undefined> {
  const dotGit = await readFile(path.join(worktree, ".git"), "utf8").catch(() => "");
  const gitdir = /^gitdir: (.+)$/m.exec(dotGit)?.[1]?.trim();
  if (!gitdir) return undefined;
  const admin = path.resolve(worktree, gitdir);
  return path.basename(path.dirname(admin)) === "worktrees" ? path.dirname(path.dirname(admin)) : undefined;
}

/** A leftover worktree at the path (a crashed attempt) is removed; any other content is refused. */
async function clearWorktreePath(mirror: string, target: string): Promise<void> {
  const entries = await readdir(target).catch(() => undefined);
  if (!entries || entries.length === 0) return;
  if (!entries.includes(".git")) throw new Error(`${target} exists and is not a worktree`);
  worktreeMirrors.delete(target);
  await removeFromMirror(mirror, target);
}
