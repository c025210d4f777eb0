/**
 * Worktrees for agents, added from the repository's mirror (`git worktree add`, no clone). A
 * worktree sits on a local branch of the same name as the remote branch it will be pushed to;
 * when the remote already has that branch (an earlier attempt's pushed work) it continues from
 * there, otherwise it starts from the base branch. The local branch is reset either way: the
 * remote, not a leftover local branch, holds the truth.
 *
 * The worktree is the agent's, its git directory (`<mirror>/worktrees/<id>`) the runner's. Right
 * after `worktree add` the runner records that directory (`worktree-registry.ts`) and deletes the
 * worktree's `.git` file: the agent gets files, not a repository, and whatever `.git` it makes is
 * never looked at. The entry is added locked, so no `worktree prune` drops it meanwhile; removal
 * deletes both directories by hand.
 *
 * What a runner that died left behind (a worktree, its git directory, the branch still "checked
 * out" there) never blocks the next run: a leftover at the path, or any unregistered worktree
 * holding the branch, is removed first (`clearLeftovers`).
 */
import { readFile, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { assertBranchName } from "./branch-name.js";
import { MissingBranchError, mirrorLock, remoteBranchShas, remoteFor, syncMirror } from "./mirror.js";
import { runGit } from "./run-git.js";
import { registeredWorktree, registerWorktree, unregisterWorktree } from "./worktree-registry.js";
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

  await addAt(remote.mirror, target, ["--no-track", "-B", input.branch, target, headSha], input.branch);
  return { path: target, headSha, resumed: resumedFrom !== undefined };
}

/**
 * A worktree at `sha` with a detached HEAD, on no branch: several of them may stand on one
 * commit at once (two merges into the same phase branch). A leftover worktree there is replaced.
 */
export async function addDetachedWorktree(mirror: string, worktreePath: string, sha: string): Promise<string> {
  const target = path.resolve(worktreePath);
  await addAt(mirror, target, ["--detach", target, sha], null);
  return target;
}

async function addAt(mirror: string, target: string, args: string[], branch: string | null): Promise<void> {
  await mirrorLock.run(mirror, async () => {
    await clearLeftovers(mirror, target, branch);
    await runGit({ cwd: mirror, args: ["worktree", "add", "--quiet", "--lock", ...args], retryOnLock: true });
    const gitDir = await gitDirOf(target);
    if (!gitDir || path.dirname(gitDir) !== path.join(mirror, "worktrees")) {
      throw new Error(`git made the worktree ${target} with an unexpected git directory (${gitDir ?? "none"})`);
    }
    registerWorktree(target, { mirror, gitDir });
    await rm(path.join(target, ".git"), { force: true });
  });
}

/** Removes the worktree (discarding anything uncommitted) and its git directory. */
export async function removeWorktree(worktreePath: string): Promise<void> {
  const target = path.resolve(worktreePath);
  const entry = unregisterWorktree(target);
  if (!entry) {
    await rm(target, { recursive: true, force: true });
    return;
  }
  await mirrorLock.run(entry.mirror, async () => {
    await rm(target, { recursive: true, force: true });
    await rm(entry.gitDir, { recursive: true, force: true });
  });
}

/** The git directory a fresh worktree's `.git` file names (read before any agent ran). */
async function gitDirOf(worktree: string): Promise<string | undefined> {
  const dotGit = await readFile(path.join(worktree, ".git"), "utf8").catch(() => "");
  const gitdir = /^gitdir: (.+)$/m.exec(dotGit)?.[1]?.trim();
  return gitdir ? path.resolve(worktree, gitdir) : undefined;
}

interface WorktreeEntry {
  gitDir: string;
  /** Where the worktree's files are (from the entry's `gitdir` file). */
  worktree: string | undefined;
  /** `refs/heads/…` when on a branch. */
  head: string | undefined;
}

async function worktreeEntries(mirror: string): Promise<WorktreeEntry[]> {
  const root = path.join(mirror, "worktrees");
  const names = await readdir(root).catch(() => [] as string[]);
  return Promise.all(
    names.map(async (name) => {
      const gitDir = path.join(root, name);
      const dotGit = (await readFile(path.join(gitDir, "gitdir"), "utf8").catch(() => "")).trim();
      const head = /^ref: (refs\/heads\/.+)$/m.exec(await readFile(path.join(gitDir, "HEAD"), "utf8").catch(() => ""))?.[1]?.trim();
      return { gitDir, worktree: dotGit ? path.dirname(path.resolve(gitDir, dotGit)) : undefined, head };
    }),
  );
}

/**
 * Clears the way for a new worktree at `target` on `branch`: a leftover at that path, and any
 * worktree of the mirror this process does not hold that has the branch checked out (a run that
 * died), with its files when they are under the same worktrees folder.
 */
async function clearLeftovers(mirror: string, target: string, branch: string | null): Promise<void> {
  if (registeredWorktree(target)) throw new Error(`${target} is in use by another run`);
  let leftover = false;
  for (const entry of await worktreeEntries(mirror)) {
    const atTarget = entry.worktree === target;
    const holdsBranch = branch !== null && entry.head === `refs/heads/${branch}`;
    if (!atTarget && !holdsBranch) continue;
    if (entry.worktree && registeredWorktree(entry.worktree)) throw new Error(`${branch ?? target} is in use by another run (${entry.worktree})`);
    await rm(entry.gitDir, { recursive: true, force: true });
    if (atTarget) leftover = true;
    else if (entry.worktree && path.dirname(entry.worktree) === path.dirname(target)) await rm(entry.worktree, { recursive: true, force: true });
  }
  const entries = await readdir(target).catch(() => undefined);
  if (!entries || entries.length === 0) return;
  // The runner's own worktrees folder holds nothing but worktrees; anywhere else, only a folder
  // git knew as a worktree is replaced.
  // (A mirror is `<workDir>/mirrors/<name>.git`, the runner's worktrees `<workDir>/worktrees/<name>`.)
  const ours = path.dirname(target) === path.join(path.dirname(path.dirname(mirror)), "worktrees");
  if (!leftover && !ours) throw new Error(`${target} exists and is not a worktree`);
  await rm(target, { recursive: true, force: true });
}

/**
 * At boot, before any run: every worktree a previous life of this runner left (its git directory
 * in each mirror, its folder under `worktreesDir`). Returns how many were removed.
 */
export async function removeAllWorktrees(mirrorsDir: string, worktreesDir: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(mirrorsDir).catch(() => [] as string[])) {
    if (!name.endsWith(".git")) continue;
    const mirror = path.join(mirrorsDir, name);
    await mirrorLock.run(mirror, async () => {
      for (const entry of await worktreeEntries(mirror)) {
        if (entry.worktree && registeredWorktree(entry.worktree)) continue;
        await rm(entry.gitDir, { recursive: true, force: true });
        removed++;
      }
    });
  }
  for (const name of await readdir(worktreesDir).catch(() => [] as string[])) {
    const dir = path.join(worktreesDir, name);
    if (registeredWorktree(dir)) continue;
    await rm(dir, { recursive: true, force: true });
  }
  return removed;
}
