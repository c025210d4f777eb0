/**
 * The runner's mirrors on real git: a bare repository on disk is the remote. Covers cloning,
 * fetching, concurrent use (in one process and across processes), remote branch creation and
 * the installation token's path (passed per command, never stored).
 */
import { mkdir, readdir, readFile, stat, utimes } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { createGitWorkspace, GitError, gitAuthArgs, type RepoRef } from "../../src/runner/workspace/index.js";
import { branchSha, cleanupGitFixtures, cloneAndCommit, createBareRemote, git, makeTempDir, runnerGit, type BareRemote } from "../support/git-fixtures.js";

afterEach(cleanupGitFixtures);

const TOKEN = "ghs_0123456789abcdefghijABCDEFGHIJ0123";
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");

async function setup(): Promise<{ remote: BareRemote; workDir: string; repo: RepoRef }> {
  const remote = await createBareRemote({ files: { "README.md": "# widgets\n", "src/index.ts": "export {};\n" } });
  const workDir = await makeTempDir("cw-work-");
  return { remote, workDir, repo: { owner: "acme", name: "widgets", cloneUrl: remote.url } };
}

async function mirrorBranches(mirror: string): Promise<Record<string, string>> {
  const out = await git(mirror, ["for-each-ref", "--format=%(refname) %(objectname)"]);
  return Object.fromEntries(
    out
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(" ") as [string, string]),
  );
}

/** Every file under `dir` whose bytes contain one of `needles`. */
async function filesContaining(dir: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const content = await readFile(file, "latin1");
    if (needles.some((needle) => content.includes(needle))) hits.push(file);
  }
  return hits;
}

describe("mirror", () => {
  it("clones a bare mirror under <workDir>/mirrors and fetches new commits and deleted branches", async () => {
    const { remote, workDir, repo } = await setup();
    const workspace = createGitWorkspace({ workDir });
    // A clone abandoned by a process that died (its pid is gone) is cleared away.
    const finished = execa("true");
    await finished;
    const deadPid = finished.pid;
    const abandoned = path.join(workDir, "mirrors", `acme__widgets.git.tmp-${deadPid}-0a1b2c3d`);
    await mkdir(abandoned, { recursive: true });
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60_000);
    await utimes(abandoned, twoHoursAgo, twoHoursAgo);

    const first = await workspace.syncMirror({ repo });
    expect(first).toEqual({ path: path.join(workDir, "mirrors", "acme__widgets.git"), created: true });
    expect(await git(first.path, ["rev-parse", "--is-bare-repository"])).toBe("true");
    const mainSha = await branchSha(remote, "main");
    expect(await mirrorBranches(first.path)).toEqual({ "refs/remotes/origin/main": mainSha });
    expect(await readdir(path.join(workDir, "mirrors"))).toEqual(["acme__widgets.git"]);
    // The remote URL is passed per command, not stored: the project's current clone_url wins.
    expect(await readFile(path.join(first.path, "config"), "utf8")).not.toContain(remote.url);

    const pushed = await cloneAndCommit(remote, "main", { "src/index.ts": "export const a = 1;\n" }, "person edits");
    await cloneAndCommit(remote, "cw/gone", {}, "short-lived");
    await workspace.syncMirror({ repo });
    await git(remote.path, ["branch", "-D", "cw/gone"]);
    const second = await workspace.syncMirror({ repo });
    expect(second.created).toBe(false);
    expect(await mirrorBranches(second.path)).toEqual({ "refs/remotes/origin/main": pushed });
  });

  it("serves concurrent syncs of one mirror in one process", async () => {
    const { remote, workDir, repo } = await setup();
    const loops = [createGitWorkspace({ workDir }), createGitWorkspace({ workDir })];

    const fresh = await Promise.all([...loops, ...loops].map((workspace) => workspace.syncMirror({ repo })));
    expect(fresh.filter((sync) => sync.created)).toHaveLength(1);

    const pushed = await cloneAndCommit(remote, "main", { "a.txt": "a\n" }, "more");
    const mirror = fresh[0]!.path;
    await Promise.all([...loops, ...loops].map((workspace) => workspace.syncMirror({ repo })));
    expect(await mirrorBranches(mirror)).toEqual({ "refs/remotes/origin/main": pushed });
    expect(await git(mirror, ["fsck", "--no-progress"])).toBe("");
  });

  it("survives processes racing to create and fetch the same mirror", async () => {
    const { remote, workDir, repo } = await setup();
    const moduleUrl = new URL("../../src/runner/workspace/index.ts", import.meta.url).href;
    // Each process: the first sync races the others' clones, the next ones their fetches.
    const script = `
      const { createGitWorkspace } = await import(${JSON.stringify(moduleUrl)});
      const workspace = createGitWorkspace({ workDir: ${JSON.stringify(workDir)} });
      const created = [];
      for (let i = 0; i < 4; i++) created.push((await workspace.syncMirror({ repo: ${JSON.stringify(repo)} })).created);
      console.log(JSON.stringify(created));`;
    const cwd = fileURLToPath(new URL("../..", import.meta.url));
    const runs = [1, 2].map(() => execa("node", ["--import", "tsx", "--input-type=module", "-e", script], { cwd }));
    const pushed = await cloneAndCommit(remote, "main", { "b.txt": "b\n" }, "while they fetch");
    const created = (await Promise.all(runs)).flatMap((run) => JSON.parse(run.stdout) as boolean[]);
    expect(created.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(await readdir(path.join(workDir, "mirrors"))).toEqual(["acme__widgets.git"]); // no temporary clone left

    const { path: mirror } = await createGitWorkspace({ workDir }).syncMirror({ repo });
    expect(await mirrorBranches(mirror)).toEqual({ "refs/remotes/origin/main": pushed });
  });
});

describe("ensureRemoteBranch", () => {
  it("creates the branch on the remote from another branch once, then reports it", async () => {
    const { remote, workDir, repo } = await setup();
    const workspace = createGitWorkspace({ workDir });
    const mainSha = await branchSha(remote, "main");

    const made = await workspace.ensureRemoteBranch({ repo, branch: "cw/user-auth", from: "main" });
    expect(made).toEqual({ created: true, sha: mainSha });
    expect(await branchSha(remote, "cw/user-auth")).toBe(mainSha);

    const phase = await workspace.ensureRemoteBranch({ repo, branch: "cw/user-auth--phase-3", from: "cw/user-auth" });
    expect(phase).toEqual({ created: true, sha: mainSha });

    const moved = await cloneAndCommit(remote, "cw/user-auth", { "x.txt": "x\n" }, "work on the initiative");
    expect(await workspace.ensureRemoteBranch({ repo, branch: "cw/user-auth", from: "main" })).toEqual({
      created: false,
      sha: moved,
    });
    expect(await branchSha(remote, "cw/user-auth")).toBe(moved);
  });

  it("fails with the missing branch named when `from` does not exist", async () => {
    const { workDir, repo } = await setup();
    await expect(createGitWorkspace({ workDir }).ensureRemoteBranch({ repo, branch: "cw/a", from: "cw/nope" })).rejects.toThrow(
      "branch cw/nope does not exist on the remote",
    );
  });

  it("refuses branch names git would reject or read as options", async () => {
    const { workDir, repo } = await setup();
    const workspace = createGitWorkspace({ workDir });
    for (const branch of ["--upload-pack=x", "cw/a..b", "cw/a b", "cw/a.lock", "cw/"]) {
      await expect(workspace.ensureRemoteBranch({ repo, branch, from: "main" })).rejects.toThrow("invalid branch name");
    }
  });
});

describe("token", () => {
  it("is a per-command header for http(s) remotes and nothing for other remotes", () => {
    expect(gitAuthArgs("https://github.com/acme/widgets.git", TOKEN)).toEqual([
      "-c",
      "credential.helper=",
      "-c",
      `http.extraHeader=Authorization: Basic ${BASIC}`,
    ]);
    expect(gitAuthArgs("http://ghe.internal/acme/widgets.git", TOKEN)).toHaveLength(4);
    expect(gitAuthArgs("https://github.com/acme/widgets.git")).toEqual([]);
    expect(gitAuthArgs("file:///srv/git/widgets.git", TOKEN)).toEqual([]);
    expect(gitAuthArgs("/srv/git/widgets.git", TOKEN)).toEqual([]);
  });

  it("is ignored for a file:// remote and never reaches the mirror or the worktree", async () => {
    const { remote, workDir, repo } = await setup();
    const workspace = createGitWorkspace({ workDir });
    const token = TOKEN;
    await workspace.ensureRemoteBranch({ repo, branch: "cw/user-auth", from: "main", token });
    const tree = await workspace.addWorktree({ repo, branch: "cw/task-1-x", base: "cw/user-auth", path: path.join(workDir, "wt"), token });
    await runnerGit(tree.path, ["status"]); // a worktree git is happy with
    await workspace.commitAll({ path: tree.path, message: "empty", author: { name: "a", email: "a@example.com" } });
    await workspace.pushBranch({ repo, path: tree.path, branch: "cw/task-1-x", token });
    expect(await branchSha(remote, "cw/task-1-x")).toBe(tree.headSha);
    expect(await filesContaining(workDir, [TOKEN, BASIC])).toEqual([]);
  });

  it("for an https remote: not in the mirror's files and scrubbed from the error", async () => {
    const { workDir, repo } = await setup();
    const workspace = createGitWorkspace({ workDir });
    const { path: mirror } = await workspace.syncMirror({ repo });
    // Port 1 on the loopback refuses at once: nothing is ever contacted.
    const https: RepoRef = { ...repo, cloneUrl: "https://127.0.0.1:1/acme/widgets.git" };

    const failure = await workspace.syncMirror({ repo: https, token: TOKEN }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GitError);
    const error = failure as GitError;
    expect(error.command).toContain("http.extraHeader=Authorization: Basic [redacted]");
    expect(error.message).toContain("127.0.0.1");
    for (const text of [error.message, error.command, error.stderrTail, String(error.stack)]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(BASIC);
    }
    expect(await filesContaining(mirror, [TOKEN, BASIC])).toEqual([]);

    // A first clone that fails leaves no temporary mirror (and no token) behind.
    const other: RepoRef = { owner: "acme", name: "other", cloneUrl: https.cloneUrl };
    await expect(workspace.syncMirror({ repo: other, token: TOKEN })).rejects.toBeInstanceOf(GitError);
    expect(await readdir(path.join(workDir, "mirrors"))).toEqual(["acme__widgets.git"]);
    expect(await filesContaining(workDir, [TOKEN, BASIC])).toEqual([]);
    expect((await stat(mirror)).isDirectory()).toBe(true);
  });
});
