/**
 * One bare mirror per repository under `<workDir>/mirrors/`. Worktrees are added from it, so
 * its local branches (`refs/heads/*`) belong to worktrees; the remote's branches are fetched
 * into `refs/remotes/origin/*`, where `--prune` can never delete a worktree's branch and a
 * fetch never collides with a checked-out one. The remote URL is passed on every command
 * rather than stored, so the project's current `clone_url` always wins.
 */
import { randomBytes } from "node:crypto";
import { appendFile, mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { gitAuthArgs, tokenSecrets } from "./git-auth.js";
import { KeyedMutex } from "./keyed-mutex.js";
import { readRefFiles } from "./ref-files.js";
import { gitText, runGit, type GitCommand } from "./run-git.js";
import type { MirrorSync, RepoRef } from "./types.js";

export const REMOTE_REFS = "refs/remotes/origin/";
const FETCH_REFSPEC = "+refs/heads/*:refs/remotes/origin/*";
/** A fetch or push that makes no progress for this long is killed. */
export const NETWORK_TIMEOUT_MS = 15 * 60_000;

/** Everything a command against the remote needs; `auth` and `secrets` hold the token. */
export interface Remote {
  mirror: string;
  url: string;
  auth: string[];
  secrets: string[];
}

/** A branch an operation needs is not on the remote (after a fetch). */
export class MissingBranchError extends Error {
  override readonly name = "MissingBranchError";
  constructor(readonly branch: string) {
    super(`branch ${branch} does not exist on the remote`);
  }
}

/** Per mirror: git commands that change the mirror's refs or worktree list run one at a time. */
export const mirrorLock = new KeyedMutex();
/**
 * Per mirror: when the last successful fetch started (performance.now()), and from which URL (a
 * fetch from another one — the repository moved, or a test's new remote under the same name —
 * says nothing of this one).
 */
const lastFetch = new Map<string, { url: string; startedAt: number }>();
const excludeChecked = new Set<string>();

const NAME_PART = /^[A-Za-z0-9._-]+$/;

export function mirrorPath(workDir: string, repo: RepoRef): string {
  for (const part of [repo.owner, repo.name]) {
    if (!NAME_PART.test(part) || part === "." || part === "..") throw new Error(`invalid repository name part: ${JSON.stringify(part)}`);
  }
  // Lower case: GitHub names are case-insensitive, and one repository must map to one lock key.
  return path.join(path.resolve(workDir), "mirrors", `${repo.owner.toLowerCase()}__${repo.name.toLowerCase()}.git`);
}

export function remoteFor(workDir: string, repo: RepoRef, token: string | undefined): Remote {
  if (repo.cloneUrl.startsWith("-")) throw new Error(`invalid clone URL: ${JSON.stringify(repo.cloneUrl)}`);
  return {
    mirror: mirrorPath(workDir, repo),
    url: repo.cloneUrl,
    auth: gitAuthArgs(repo.cloneUrl, token),
    secrets: tokenSecrets(token),
  };
}

/** A command against the remote from `cwd` (the mirror or a worktree), carrying the token. */
export function remoteCommand(remote: Remote, cwd: string, args: string[]): GitCommand {
  return { cwd, args, auth: remote.auth, secrets: remote.secrets, timeoutMs: NETWORK_TIMEOUT_MS };
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function fetchInto(remote: Remote, dir: string): Promise<void> {
  const args = ["fetch", "--prune", "--no-tags", "--quiet", "--no-write-fetch-head", remote.url, FETCH_REFSPEC];
  await runGit({ ...remoteCommand(remote, dir, args), retryOnLock: true });
}

/** `.cw/` (agent input and output) is never committed; worktrees read the mirror's exclude file. */
async function ensureExcluded(mirror: string): Promise<void> {
  if (excludeChecked.has(mirror)) return;
  const file = path.join(mirror, "info", "exclude");
  const current = await readFile(file, "utf8").catch(() => "");
  if (!current.split("\n").includes(".cw/")) {
    await mkdir(path.dirname(file), { recursive: true });
    await appendFile(file, `${current === "" || current.endsWith("\n") ? "" : "\n"}.cw/\n`);
  }
  excludeChecked.add(mirror);
}

/**
 * Clones into a temporary directory and renames it into place, so a mirror that exists is
 * complete. Returns false when another process put its mirror there first.
 */
async function cloneMirror(remote: Remote): Promise<boolean> {
  const parent = path.dirname(remote.mirror);
  await mkdir(parent, { recursive: true });
  await removeAbandonedClones(remote.mirror);
  const temporary = `${remote.mirror}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await runGit({ cwd: parent, args: ["init", "--bare", "--quiet", "--initial-branch=main", temporary] });
    await ensureExcluded(temporary);
    await fetchInto(remote, temporary);
    await rename(temporary, remote.mirror);
    return true;
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === "ENOTEMPTY" || code === "EEXIST") && (await exists(path.join(remote.mirror, "HEAD")))) return false;
    throw error;
  } finally {
    excludeChecked.delete(temporary);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const ABANDONED_AFTER_MS = 60 * 60_000;

/**
 * Temporary clones left by a process that died while cloning: its pid is gone and the folder is
 * over an hour old (the age guards a work dir shared by containers, whose pids mean nothing here).
 */
async function removeAbandonedClones(mirror: string): Promise<void> {
  const prefix = `${path.basename(mirror)}.tmp-`;
  for (const entry of await readdir(path.dirname(mirror))) {
    const pid = Number(entry.startsWith(prefix) ? entry.slice(prefix.length).split("-")[0] : NaN);
    if (!Number.isInteger(pid) || isRunning(pid)) continue;
    const folder = path.join(path.dirname(mirror), entry);
    const modified = await stat(folder).then(
      (info) => info.mtimeMs,
      () => Date.now(),
    );
    if (Date.now() - modified > ABANDONED_AFTER_MS) await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Makes the mirror exist and be current as of `freshAsOf` (default: this call), with at most one
 * fetch. Callers that queued behind a fetch which started after that take its result instead of
 * fetching again; a run passes its own start, so its later steps reuse the fetch its first made
 * (the mirror also learns of every push made from it: see push-ref.ts).
 */
export async function syncMirror(remote: Remote, freshAsOf: number = performance.now()): Promise<MirrorSync> {
  const askedAt = freshAsOf;
  return mirrorLock.run(remote.mirror, async () => {
    if (!(await exists(path.join(remote.mirror, "HEAD")))) {
      const startedAt = performance.now();
      if (await cloneMirror(remote)) {
        lastFetch.set(remote.mirror, { url: remote.url, startedAt });
        return { path: remote.mirror, created: true };
      }
    }
    await ensureExcluded(remote.mirror);
    const last = lastFetch.get(remote.mirror);
    if (last && last.url === remote.url && last.startedAt >= askedAt) return { path: remote.mirror, created: false };
    const startedAt = performance.now();
    await fetchInto(remote, remote.mirror);
    lastFetch.set(remote.mirror, { url: remote.url, startedAt });
    return { path: remote.mirror, created: false };
  });
}

/** The remote's branch tips as last fetched: name → sha, for the names that exist. */
export async function remoteBranchShas(mirror: string, names: readonly string[]): Promise<Map<string, string>> {
  const refs = names.map((name) => REMOTE_REFS + name);
  const fromFiles = await readRefFiles(mirror, refs);
  if (fromFiles) return new Map([...fromFiles].map(([ref, sha]) => [ref.slice(REMOTE_REFS.length), sha]));
  const out = await gitText({ cwd: mirror, args: ["for-each-ref", "--format=%(objectname) %(refname)", ...refs] });
  const found = new Map<string, string>();
  for (const line of out.split("\n")) {
    const [sha, ref] = line.split(" ");
    if (sha && ref && refs.includes(ref)) found.set(ref.slice(REMOTE_REFS.length), sha);
  }
  return found;
}

/** Like `remoteBranchShas`, but every name must exist on the remote; shas in the same order. */
export async function requireRemoteBranches<const Names extends readonly string[]>(mirror: string, names: Names): Promise<{ [K in keyof Names]: string }> {
  const found = await remoteBranchShas(mirror, names);
  return names.map((name) => {
    const sha = found.get(name);
    if (!sha) throw new MissingBranchError(name);
    return sha;
  }) as { [K in keyof Names]: string };
}
