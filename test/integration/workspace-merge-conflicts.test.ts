/**
 * A conflicting merge left in a worktree for the merge agent, and its resolution committed and
 * pushed: on real git, with the agent's part played by writing files in the worktree (an agent
 * gets files, not a repository).
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ConflictMergeStart } from "../../src/runner/workspace/index.js";
import { branchSha, cleanupGitFixtures, cloneAndCommit, commitParents, git, readFileAt, runnerGit } from "../support/git-fixtures.js";
import { unregisterWorktree } from "../../src/runner/workspace/worktree-registry.js";
import { AUTHOR, PHASE, TASK, workspaceWithPhase, type WorkspaceWorld } from "../support/workspace-fixture.js";

afterEach(cleanupGitFixtures);

const MESSAGE = "Merge cw/task-12-add-login: add login\n\nRefs #12";

interface World extends WorkspaceWorld {
  tree: string;
  taskSha: string;
  phaseSha: string;
}

/** The task and the phase both rewrite line 2 of src/auth.ts; each also adds a file of its own. */
async function conflicting(): Promise<World> {
  const world = await workspaceWithPhase({ "README.md": "# widgets\n", "src/auth.ts": "line 1\nline 2\nline 3\n" });
  const taskSha = await cloneAndCommit(world.remote, TASK, { "src/auth.ts": "line 1\ntask's line 2\nline 3\n", "src/login.ts": "login\n" }, "task edit");
  const phaseSha = await cloneAndCommit(world.remote, PHASE, { "src/auth.ts": "line 1\nphase's line 2\nline 3\n", "src/phase.ts": "phase\n" }, "phase edit");
  return { ...world, tree: path.join(world.workDir, "worktrees", "merge-1"), taskSha, phaseSha };
}

async function start(w: World): Promise<Extract<ConflictMergeStart, { status: "in-progress" }>> {
  const started = await w.workspace.startConflictMerge({ repo: w.repo, source: TASK, target: PHASE, path: w.tree, author: AUTHOR });
  if (started.status !== "in-progress") throw new Error(`expected a merge in progress, got ${started.status}`);
  return started;
}

function finish(w: World, started: Extract<ConflictMergeStart, { status: "in-progress" }>) {
  const { targetSha, sourceSha, files } = started;
  return w.workspace.finishConflictMerge({ repo: w.repo, path: w.tree, target: PHASE, targetSha, sourceSha, files, message: MESSAGE, author: AUTHOR });
}

const RESOLVED = "line 1\nphase's and task's line 2\nline 3\n";

describe("startConflictMerge", () => {
  it("leaves the merge in progress in a detached worktree, with diff3 markers naming the task branch", async () => {
    const w = await conflicting();
    const started = await start(w);
    expect(started).toEqual({ status: "in-progress", path: w.tree, targetSha: w.phaseSha, sourceSha: w.taskSha, files: ["src/auth.ts"] });
    const base = (await git(w.remote.path, ["merge-base", w.phaseSha, w.taskSha])).slice(0, 7);
    expect(await readFile(path.join(w.tree, "src/auth.ts"), "utf8")).toBe(
      `line 1\n<<<<<<< HEAD\nphase's line 2\n||||||| ${base}\nline 2\n=======\ntask's line 2\n>>>>>>> origin/${TASK}\nline 3\n`,
    );
    // Both sides' other work is in the worktree; HEAD is the phase's tip, on no branch.
    expect(await readFile(path.join(w.tree, "src/login.ts"), "utf8")).toBe("login\n");
    expect(await readFile(path.join(w.tree, "src/phase.ts"), "utf8")).toBe("phase\n");
    expect(await runnerGit(w.tree, ["rev-parse", "HEAD", "MERGE_HEAD"])).toBe(`${w.phaseSha}\n${w.taskSha}`);
    expect(await runnerGit(w.tree, ["branch", "--show-current"])).toBe("");
    // Nothing is pushed before the resolution.
    expect(await branchSha(w.remote, PHASE)).toBe(w.phaseSha);
  });

  it("leaves a clean merge in progress too (the phase moved so that nothing conflicts any more), for the runner to commit", async () => {
    const w = await conflicting();
    await git(w.remote.path, ["update-ref", `refs/heads/${PHASE}`, await git(w.remote.path, ["rev-parse", "main"])]);
    const main = (await branchSha(w.remote, PHASE))!;
    const started = await start(w);
    expect(started).toMatchObject({ targetSha: main, sourceSha: w.taskSha, files: [] });
    expect((await finish(w, started)).status).toBe("merged");
    expect(await commitParents(w.remote, (await branchSha(w.remote, PHASE))!)).toEqual([main, w.taskSha]);
    expect(await readFileAt(w.remote, PHASE, "src/auth.ts")).toBe("line 1\ntask's line 2\nline 3\n");
  });

  it("finds nothing to merge when the task is already in the phase", async () => {
    const w = await conflicting();
    await git(w.remote.path, ["update-ref", `refs/heads/${PHASE}`, w.taskSha]);
    expect(await w.workspace.startConflictMerge({ repo: w.repo, source: TASK, target: PHASE, path: w.tree, author: AUTHOR })).toEqual({
      status: "up-to-date",
      sha: w.taskSha,
    });
  });

  it("replaces a leftover worktree at the path, and lets two merges into one branch run at once", async () => {
    const w = await conflicting();
    await start(w);
    await writeFile(path.join(w.tree, "src/auth.ts"), "half-done\n");
    unregisterWorktree(w.tree); // the runner that started it died
    const again = await start(w);
    expect(again.files).toEqual(["src/auth.ts"]);
    expect(await readFile(path.join(w.tree, "src/auth.ts"), "utf8")).toContain("<<<<<<< HEAD");
    const other = await w.workspace.startConflictMerge({ repo: w.repo, source: TASK, target: PHASE, path: `${w.tree}-b`, author: AUTHOR });
    expect(other.status).toBe("in-progress");
  });

  it("names a missing branch", async () => {
    const w = await conflicting();
    await expect(w.workspace.startConflictMerge({ repo: w.repo, source: "cw/task-99-none", target: PHASE, path: w.tree, author: AUTHOR })).rejects.toThrow(
      "branch cw/task-99-none does not exist on the remote",
    );
  });
});

describe("finishConflictMerge", () => {
  it("commits the resolution as a merge of the phase's tip and the task's, and pushes it", async () => {
    const w = await conflicting();
    const started = await start(w);
    await writeFile(path.join(w.tree, "src/auth.ts"), RESOLVED);
    // What the agent may leave around that is not the merge's: its input and output.
    await mkdir(path.join(w.tree, ".cw", "output"), { recursive: true });
    await writeFile(path.join(w.tree, ".cw", "output", "result.json"), "{}");

    const finished = await finish(w, started);
    expect(finished.status).toBe("merged");
    const sha = finished.status === "merged" ? finished.sha : "";
    expect(await branchSha(w.remote, PHASE)).toBe(sha);
    expect(await commitParents(w.remote, sha)).toEqual([w.phaseSha, w.taskSha]);
    expect(await git(w.remote.path, ["log", "-1", "--format=%B%an <%ae>", sha])).toBe(`${MESSAGE}\nCodewalkers <codewalkers@example.com>`);
    expect(await readFileAt(w.remote, PHASE, "src/auth.ts")).toBe(RESOLVED);
    expect(await readFileAt(w.remote, PHASE, "src/login.ts")).toBe("login\n");
    expect(await readFileAt(w.remote, PHASE, "src/phase.ts")).toBe("phase\n");
    expect(await readFileAt(w.remote, PHASE, ".cw/output/result.json")).toBeUndefined();
  });

  it("resolves a file one side deleted by the agent's choice", async () => {
    const w = await conflicting();
    await cloneAndCommit(w.remote, TASK, { "README.md": null }, "task drops the readme");
    await cloneAndCommit(w.remote, PHASE, { "README.md": "# widgets, phase 3\n" }, "phase edits the readme");
    const started = await start(w);
    expect(started.files).toEqual(["README.md", "src/auth.ts"]);
    await writeFile(path.join(w.tree, "src/auth.ts"), RESOLVED);
    await rm(path.join(w.tree, "README.md"));
    expect((await finish(w, started)).status).toBe("merged");
    expect(await readFileAt(w.remote, PHASE, "README.md")).toBeUndefined();
  });

  it("reports the files that still hold conflict markers, and pushes nothing", async () => {
    const w = await conflicting();
    await cloneAndCommit(w.remote, TASK, { "docs/a.md": "task\n" }, "task doc");
    await cloneAndCommit(w.remote, PHASE, { "docs/a.md": "phase\n" }, "phase doc");
    const started = await start(w);
    expect(started.files).toEqual(["docs/a.md", "src/auth.ts"]);
    // One file resolved, one left as git wrote it; a file that did not conflict may quote markers.
    await writeFile(path.join(w.tree, "src/auth.ts"), RESOLVED);
    await writeFile(path.join(w.tree, "src/login.ts"), "<<<<<<< this line is allowed here\n");
    const phaseSha = await branchSha(w.remote, PHASE);
    expect(await finish(w, started)).toEqual({ status: "unresolved", files: ["docs/a.md"] });
    expect(await branchSha(w.remote, PHASE)).toBe(phaseSha);

    // Half a marker is still a marker.
    await writeFile(path.join(w.tree, "docs/a.md"), "phase\ntask\n>>>>>>> origin/cw/task-12-add-login\n");
    expect(await finish(w, started)).toEqual({ status: "unresolved", files: ["docs/a.md"] });
  });

  it("refuses a merge that was aborted meanwhile: the task's work would be lost", async () => {
    const w = await conflicting();
    const started = await start(w);
    await runnerGit(w.tree, ["merge", "--abort"]);
    const finished = await finish(w, started);
    expect(finished.status).toBe("abandoned");
    expect(await branchSha(w.remote, PHASE)).toBe(w.phaseSha);
  });

  it("carries the resolution onto a phase branch that moved meanwhile, when the new work touches other lines", async () => {
    const w = await conflicting();
    const started = await start(w);
    await writeFile(path.join(w.tree, "src/auth.ts"), RESOLVED);
    const moved = await cloneAndCommit(w.remote, PHASE, { "src/other.ts": "another task\n" }, "another task merged");

    const finished = await finish(w, started);
    expect(finished.status).toBe("merged");
    const tip = (await branchSha(w.remote, PHASE))!;
    expect(finished).toEqual({ status: "merged", sha: tip });
    expect(await commitParents(w.remote, tip)).toEqual([moved, w.taskSha]);
    expect(await readFileAt(w.remote, PHASE, "src/auth.ts")).toBe(RESOLVED);
    expect(await readFileAt(w.remote, PHASE, "src/other.ts")).toBe("another task\n");
    expect(await readFileAt(w.remote, PHASE, "src/login.ts")).toBe("login\n");
  });

  it("says so when the phase moved over the resolved lines, so the merge starts over", async () => {
    const w = await conflicting();
    const started = await start(w);
    await writeFile(path.join(w.tree, "src/auth.ts"), RESOLVED);
    const moved = await cloneAndCommit(w.remote, PHASE, { "src/auth.ts": "line 1\nyet another line 2\nline 3\n" }, "another edit");
    expect(await finish(w, started)).toEqual({ status: "moved", files: ["src/auth.ts"] });
    expect(await branchSha(w.remote, PHASE)).toBe(moved);

    // Starting over merges into the new tip.
    await w.workspace.removeWorktree(w.tree);
    const again = await start(w);
    expect(again).toMatchObject({ targetSha: moved, sourceSha: w.taskSha, files: ["src/auth.ts"] });
    await writeFile(path.join(w.tree, "src/auth.ts"), "line 1\nall three line 2s\nline 3\n");
    expect((await finish(w, again)).status).toBe("merged");
    expect(await commitParents(w.remote, (await branchSha(w.remote, PHASE))!)).toEqual([moved, w.taskSha]);
  });

  it("finds the task merged by someone else meanwhile", async () => {
    const w = await conflicting();
    const started = await start(w);
    await writeFile(path.join(w.tree, "src/auth.ts"), RESOLVED);
    const merged = await cloneAndCommit(w.remote, PHASE, { "src/auth.ts": RESOLVED }, "someone merged it by hand");
    await git(w.remote.path, ["update-ref", `refs/heads/${PHASE}`, await mergeOf(w, merged)]);
    const tip = (await branchSha(w.remote, PHASE))!;
    expect(await finish(w, started)).toEqual({ status: "up-to-date", sha: tip });
    expect(await branchSha(w.remote, PHASE)).toBe(tip);
  });
});

/** A merge commit of `onto` and the task, made straight in the remote (a person merging by hand). */
async function mergeOf(w: World, onto: string): Promise<string> {
  const tree = await git(w.remote.path, ["rev-parse", `${onto}^{tree}`]);
  return git(w.remote.path, ["commit-tree", tree, "-p", onto, "-p", w.taskSha, "-m", "Merge by hand"]);
}
