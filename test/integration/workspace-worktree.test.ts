/**
 * An agent's worktree on real git: made from the mirror, edited like an agent would (including
 * its `.cw/` input and output files), committed, pushed, resumed by a later attempt, removed.
 * The agent gets files, not a repository: the worktree has no `.git`, and whatever `.git` the
 * agent makes there is neither used nor committed.
 */
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { branchSha, cleanupGitFixtures, cloneAndCommit, filesAt, git, logSubjects, readFileAt, runnerGit } from "../support/git-fixtures.js";
import { unregisterWorktree } from "../../src/runner/workspace/worktree-registry.js";
import { AUTHOR, PHASE, TASK, workspaceWithPhase, type WorkspaceWorld } from "../support/workspace-fixture.js";

afterEach(cleanupGitFixtures);

function setup(): Promise<WorkspaceWorld> {
  return workspaceWithPhase({ "README.md": "# widgets\n", "src/auth.ts": "export const users = [];\n" });
}

/** What an agent does: edits, adds and deletes files, and writes its `.cw/` files. */
async function agentWorks(worktree: string): Promise<void> {
  await writeFile(path.join(worktree, "src/auth.ts"), "export const users = ['ada'];\n");
  await mkdir(path.join(worktree, "src/login"), { recursive: true });
  await writeFile(path.join(worktree, "src/login/form.ts"), "export function login() {}\n");
  await rm(path.join(worktree, "README.md"));
  await mkdir(path.join(worktree, ".cw/input"), { recursive: true });
  await mkdir(path.join(worktree, ".cw/output"), { recursive: true });
  await writeFile(path.join(worktree, ".cw/input/x"), "task input\n");
  await writeFile(path.join(worktree, ".cw/output/result.json"), '{"status":"done","summary":"login form"}\n');
}

async function gitAs(cwd: string, args: string[]): Promise<string> {
  return git(cwd, ["-c", "user.name=Agent", "-c", "user.email=agent@example.com", ...args]);
}

describe("worktrees", () => {
  it("adds a worktree from the base, commits the agent's edits but not .cw/, and pushes", async () => {
    const { remote, workDir, repo, workspace } = await setup();
    const phaseSha = await branchSha(remote, PHASE);

    const tree = await workspace.addWorktree({ repo, branch: TASK, base: PHASE, path: path.join(workDir, "worktrees/task-12") });
    expect(tree).toEqual({ path: path.join(workDir, "worktrees/task-12"), headSha: phaseSha, resumed: false });
    expect(await runnerGit(tree.path, ["rev-parse", "--abbrev-ref", "HEAD"])).toBe(TASK);
    await expect(stat(path.join(tree.path, ".git"))).rejects.toThrow("ENOENT");
    expect(await readFile(path.join(tree.path, "src/auth.ts"), "utf8")).toBe("export const users = [];\n");

    await agentWorks(tree.path);
    expect(await runnerGit(tree.path, ["status", "--porcelain", "--untracked-files=all"])).not.toContain(".cw");
    const commit = await workspace.commitAll({ path: tree.path, message: "Task #12: add login\n\nA login form.", author: AUTHOR });
    expect(commit.committed).toBe(true);
    expect(commit.sha).toBe(await runnerGit(tree.path, ["rev-parse", "HEAD"]));
    expect(await runnerGit(tree.path, ["log", "-1", "--format=%an <%ae>|%cn <%ce>|%P"])).toBe(
      `Codewalkers <codewalkers@example.com>|Codewalkers <codewalkers@example.com>|${phaseSha}`,
    );
    // The .cw/ files are still there for the runner to read.
    expect(await readFile(path.join(tree.path, ".cw/output/result.json"), "utf8")).toContain("done");

    expect(await branchSha(remote, TASK)).toBeUndefined();
    expect(await workspace.pushBranch({ repo, path: tree.path, branch: TASK })).toEqual({ pushed: true, sha: commit.sha });
    expect(await branchSha(remote, TASK)).toBe(commit.sha);
    expect(await filesAt(remote, TASK)).toEqual(["src/auth.ts", "src/login/form.ts"]);
    expect(await readFileAt(remote, TASK, "src/auth.ts")).toBe("export const users = ['ada'];\n");
    expect(await logSubjects(remote, TASK)).toEqual(["Task #12: add login", "initial"]);
    // Nothing was written to the user's or the repository's git identity.
    expect(await runnerGit(tree.path, ["config", "--list", "--local"])).not.toContain("user.");
  });

  it("returns the head when there is nothing to commit; a repository the agent made itself is neither used nor committed", async () => {
    const { remote, workDir, repo, workspace } = await setup();
    const tree = await workspace.addWorktree({ repo, branch: TASK, base: PHASE, path: path.join(workDir, "wt") });

    expect(await workspace.commitAll({ path: tree.path, message: "nothing", author: AUTHOR })).toEqual({
      sha: tree.headSha,
      committed: false,
    });

    // The agent makes a repository of its own at the top and another in a folder, and commits in them.
    await agentWorks(tree.path);
    await git(tree.path, ["init", "--quiet"]);
    await gitAs(tree.path, ["add", "--all"]);
    await gitAs(tree.path, ["commit", "--quiet", "-m", "agent's own commit"]);
    await mkdir(path.join(tree.path, "vendor/lib"), { recursive: true });
    await writeFile(path.join(tree.path, "vendor/lib/x.js"), "x\n");
    await git(path.join(tree.path, "vendor/lib"), ["init", "--quiet"]);
    await gitAs(path.join(tree.path, "vendor/lib"), ["add", "x.js"]);
    await gitAs(path.join(tree.path, "vendor/lib"), ["commit", "--quiet", "-m", "nested"]);

    const commit = await workspace.commitAll({ path: tree.path, message: "Task #12: add login", author: AUTHOR });
    expect(commit.committed).toBe(true);
    await workspace.pushBranch({ repo, path: tree.path, branch: TASK });
    expect(await logSubjects(remote, TASK)).toEqual(["Task #12: add login", "initial"]);
    expect(await filesAt(remote, TASK)).toEqual(["src/auth.ts", "src/login/form.ts", "vendor/lib/x.js"]);
    await expect(stat(path.join(tree.path, "vendor/lib/.git"))).rejects.toThrow("ENOENT");
  });

  it("takes .cw/ out again when the agent's own .gitignore lets it in", async () => {
    const { remote, workDir, repo, workspace } = await setup();
    const tree = await workspace.addWorktree({ repo, branch: TASK, base: PHASE, path: path.join(workDir, "wt") });
    await agentWorks(tree.path);
    await writeFile(path.join(tree.path, ".gitignore"), "!.cw/\n!.cw/**\n");
    await writeFile(path.join(tree.path, ".cw/output/later.json"), "{}\n");

    const commit = await workspace.commitAll({ path: tree.path, message: "Task #12: add login", author: AUTHOR });
    expect(commit.committed).toBe(true);
    await workspace.pushBranch({ repo, path: tree.path, branch: TASK });
    expect((await filesAt(remote, TASK)).filter((file) => file.startsWith(".cw"))).toEqual([]);
    expect(await stat(path.join(tree.path, ".cw/output/result.json"))).toBeTruthy();
  });

  it("resumes from the pushed branch in a later attempt, and replaces a leftover worktree", async () => {
    const { remote, workDir, repo, workspace } = await setup();
    const first = await workspace.addWorktree({ repo, branch: TASK, base: PHASE, path: path.join(workDir, "attempt-1") });
    await agentWorks(first.path);
    const { sha } = await workspace.commitAll({ path: first.path, message: "attempt 1", author: AUTHOR });
    await workspace.pushBranch({ repo, path: first.path, branch: TASK });
    await workspace.removeWorktree(first.path);
    await expect(stat(first.path)).rejects.toThrow();

    const second = await workspace.addWorktree({ repo, branch: TASK, base: PHASE, path: path.join(workDir, "attempt-2") });
    expect(second).toEqual({ path: path.join(workDir, "attempt-2"), headSha: sha, resumed: true });
    expect(await readFile(path.join(second.path, "src/login/form.ts"), "utf8")).toContain("login");

    // A crash left attempt-2 with unpushed work: the next attempt at that path (in the next life
    // of the runner, which knows nothing of attempt-2) starts from the remote.
    await writeFile(path.join(second.path, "src/unpushed.ts"), "lost\n");
    await workspace.commitAll({ path: second.path, message: "never pushed", author: AUTHOR });
    unregisterWorktree(second.path);
    const third = await workspace.addWorktree({ repo, branch: TASK, base: PHASE, path: second.path });
    expect(third).toEqual({ path: second.path, headSha: sha, resumed: true });
    await expect(stat(path.join(third.path, "src/unpushed.ts"))).rejects.toThrow();
    expect(await branchSha(remote, TASK)).toBe(sha);

    await workspace.removeWorktree(third.path);
    const mirror = workspace.mirrorPath(repo);
    expect(await git(mirror, ["worktree", "list", "--porcelain"])).not.toContain(`worktree ${workDir}/attempt`);
    await workspace.removeWorktree(third.path); // removing twice is fine
  });

  it("a worktree a dead run left holding the branch does not block the next run, wherever it was", async () => {
    const { workDir, repo, workspace } = await setup();
    const dead = await workspace.addWorktree({ repo, branch: TASK, base: PHASE, path: path.join(workDir, "dead") });
    unregisterWorktree(dead.path); // the runner that made it died
    const again = await workspace.addWorktree({ repo, branch: TASK, base: PHASE, path: path.join(workDir, "again") });
    expect(again.resumed).toBe(false);
    expect(await runnerGit(again.path, ["rev-parse", "--abbrev-ref", "HEAD"])).toBe(TASK);
    // A run of this process that holds the branch is never taken over.
    await expect(workspace.addWorktree({ repo, branch: TASK, base: PHASE, path: path.join(workDir, "third") })).rejects.toThrow("in use by another run");
  });

  it("refuses to put a worktree over a folder that is not one", async () => {
    const { workDir, repo, workspace } = await setup();
    const occupied = path.join(workDir, "occupied");
    await mkdir(occupied);
    await writeFile(path.join(occupied, "keep.txt"), "mine\n");
    await expect(workspace.addWorktree({ repo, branch: TASK, base: PHASE, path: occupied })).rejects.toThrow("is not a worktree");
    expect(await readFile(path.join(occupied, "keep.txt"), "utf8")).toBe("mine\n");
  });

  it("reports a non-fast-forward push and leaves the remote as it was", async () => {
    const { remote, workDir, repo, workspace } = await setup();
    const tree = await workspace.addWorktree({ repo, branch: TASK, base: PHASE, path: path.join(workDir, "wt") });
    await workspace.pushBranch({ repo, path: tree.path, branch: TASK });
    const theirs = await cloneAndCommit(remote, TASK, { "theirs.txt": "x\n" }, "someone else");

    await agentWorks(tree.path);
    const ours = await workspace.commitAll({ path: tree.path, message: "ours", author: AUTHOR });
    expect(await workspace.pushBranch({ repo, path: tree.path, branch: TASK })).toEqual({
      pushed: false,
      reason: "non-fast-forward",
      sha: ours.sha,
    });
    expect(await branchSha(remote, TASK)).toBe(theirs);
  });
});
