/**
 * Real git for tests: bare repositories on disk play the remote (GitHub); commits written
 * straight into them play a person pushing. Every directory made here lives under a temporary root that
 * `cleanupGitFixtures()` removes (call it in `afterEach`).
 *
 * The helpers' own git runs with the user's global and system config switched off, so a
 * developer's settings (signing, hooks, templates) cannot change what a test sees.
 */
import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { registeredWorktree } from "../../src/runner/workspace/worktree-registry.js";

export interface BareRemote {
  /** The bare repository's directory. */
  path: string;
  /** Its file:// URL, what a project's `clone_url` would be. */
  url: string;
}

/** Path → content; `null` deletes the file. */
export type FileChanges = Record<string, string | null>;

const temporaryDirs: string[] = [];

const GIT_ENV: Record<string, string> = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Fixture Person",
  GIT_AUTHOR_EMAIL: "person@example.com",
  GIT_COMMITTER_NAME: "Fixture Person",
  GIT_COMMITTER_EMAIL: "person@example.com",
  LC_ALL: "C",
};

/** Runs git for a fixture; returns stdout without the final newline. */
export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execa("git", args, { cwd, env: GIT_ENV, stripFinalNewline: true });
  return stdout;
}

/**
 * git on the runner's side of a worktree: the git directory the workspace registered for it.
 * (The worktree itself has no `.git`: it is the agent's.)
 */
export async function runnerGit(worktree: string, args: string[]): Promise<string> {
  const entry = registeredWorktree(worktree);
  if (!entry) throw new Error(`${worktree} is not a registered worktree`);
  return git(worktree, [`--git-dir=${entry.gitDir}`, `--work-tree=${path.resolve(worktree)}`, ...args]);
}

/** A new empty directory, removed by `cleanupGitFixtures()`. */
export async function makeTempDir(prefix = "cw-git-"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}

export async function cleanupGitFixtures(): Promise<void> {
  const dirs = temporaryDirs.splice(0);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

/** A bare repository whose `main` has one commit ("initial") with `files`. */
export async function createBareRemote(options: { files: FileChanges; dir?: string }): Promise<BareRemote> {
  const root = options.dir ?? (await makeTempDir("cw-remote-"));
  const bare = path.join(root, "remote.git");
  await git(root, ["init", "--bare", "--quiet", "--initial-branch=main", bare]);
  // No `git gc --auto` after every push the app makes: a process each time, and these remotes
  // never grow enough to need one.
  await appendFile(path.join(bare, "config"), "[receive]\n\tautogc = false\n[gc]\n\tauto = 0\n");
  const remote = { path: bare, url: pathToFileURL(bare).href };
  await commitTo(remote, "main", undefined, options.files, "initial");
  return remote;
}

/**
 * Someone else pushing: a commit with `files` and `message` on `branch` of the remote (made
 * from `main` when it does not exist). Returns the new commit's sha. Written straight into the
 * bare repository with `git fast-import` — for the workspace the same as a push, and one
 * process instead of a clone, a checkout and a push.
 */
export async function cloneAndCommit(remote: BareRemote, branch: string, files: FileChanges, message: string): Promise<string> {
  const parent = (await branchSha(remote, branch)) ?? (await branchSha(remote, "main"));
  if (!parent) throw new Error(`${remote.path} has no branch main`);
  return commitTo(remote, branch, parent, files, message);
}

/**
 * Someone force-pushing: `branch` of the remote becomes one new commit with `files` on top of
 * `onto` (a branch), whatever the branch held before. Returns the new commit's sha.
 */
export async function forcePush(remote: BareRemote, branch: string, onto: string, files: FileChanges, message: string): Promise<string> {
  const parent = await branchSha(remote, onto);
  if (!parent) throw new Error(`${remote.path} has no branch ${onto}`);
  return commitTo(remote, branch, parent, files, message, { force: true });
}

/** Each fixture commit is one second after the previous: `git log` order is the order of writing. */
let clock = 1_700_000_000;

async function commitTo(
  remote: BareRemote,
  branch: string,
  parent: string | undefined,
  files: FileChanges,
  message: string,
  options: { force?: boolean } = {},
): Promise<string> {
  const data = (text: string): string => `data ${Buffer.byteLength(text)}\n${text}`;
  const lines = [
    `commit refs/heads/${branch}`,
    "mark :1",
    `committer Fixture Person <person@example.com> ${clock++} +0000`,
    data(message),
    ...(parent ? [`from ${parent}`] : []),
  ];
  for (const [file, content] of Object.entries(files)) {
    lines.push(content === null ? `D ${file}` : `M 100644 inline ${file}\n${data(content)}`);
  }
  const marks = path.join(remote.path, `fixture-marks-${process.pid}`);
  await execa("git", ["fast-import", "--quiet", ...(options.force ? ["--force"] : []), `--export-marks=${marks}`], {
    cwd: remote.path,
    env: GIT_ENV,
    input: `${lines.join("\n")}\n`,
  });
  const sha = (await readFile(marks, "utf8")).trim().split(" ")[1];
  await rm(marks, { force: true });
  if (!sha) throw new Error("git fast-import exported no commit");
  return sha;
}

/** A file's content on a branch of the remote, or undefined when the file is not there. */
export async function readFileAt(remote: BareRemote, branch: string, file: string): Promise<string | undefined> {
  const result = await execa("git", ["cat-file", "blob", `refs/heads/${branch}:${file}`], {
    cwd: remote.path,
    env: GIT_ENV,
    reject: false,
    stripFinalNewline: false,
  });
  return result.exitCode === 0 ? result.stdout : undefined;
}

/** Every file path on a branch of the remote. */
export async function filesAt(remote: BareRemote, branch: string): Promise<string[]> {
  const out = await git(remote.path, ["ls-tree", "-r", "--name-only", `refs/heads/${branch}`]);
  return out === "" ? [] : out.split("\n");
}

/** The branch's tip on the remote, or undefined when the branch does not exist. */
export async function branchSha(remote: BareRemote, branch: string): Promise<string | undefined> {
  const result = await execa("git", ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`], {
    cwd: remote.path,
    env: GIT_ENV,
    reject: false,
  });
  return result.exitCode === 0 ? result.stdout : undefined;
}

/** Commit subjects on a branch of the remote, newest first (children before their parents). */
export async function logSubjects(remote: BareRemote, branch: string): Promise<string[]> {
  const out = await git(remote.path, ["log", "--topo-order", "--format=%s", `refs/heads/${branch}`]);
  return out === "" ? [] : out.split("\n");
}

/** The parents of a commit in the remote (two for a merge commit). */
export async function commitParents(remote: BareRemote, sha: string): Promise<string[]> {
  const out = await git(remote.path, ["rev-list", "--parents", "-n", "1", sha]);
  return out.split(" ").slice(1);
}
