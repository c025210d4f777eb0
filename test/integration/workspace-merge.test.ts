/**
 * Merging remote branches on real git (a task into its phase), and what a branch adds: the
 * diff stat and the commits for pull-request bodies.
 */
import { afterEach, describe, expect, it } from "vitest";
import { branchSha, cleanupGitFixtures, cloneAndCommit, commitParents, git, logSubjects, readFileAt } from "../support/git-fixtures.js";
import { AUTHOR, PHASE, TASK, workspaceWithPhase, type WorkspaceWorld } from "../support/workspace-fixture.js";

afterEach(cleanupGitFixtures);

function setup(): Promise<WorkspaceWorld> {
  return workspaceWithPhase({ "README.md": "# widgets\n", "src/auth.ts": "line 1\nline 2\nline 3\n" });
}

describe("mergeBranch", () => {
  it("merges the task into the phase with a merge commit, then finds it up to date", async () => {
    const { remote, repo, workspace } = await setup();
    const phaseBefore = await branchSha(remote, PHASE);
    const taskSha = await cloneAndCommit(remote, TASK, { "src/login.ts": "export {};\n" }, "add login");
    await cloneAndCommit(remote, PHASE, { "README.md": "# widgets, phase 3\n" }, "phase moves on");
    const phaseMoved = await branchSha(remote, PHASE);

    const message = "Merge task #12: add login\n\n#12 is done.";
    const merged = await workspace.mergeBranch({ repo, source: TASK, target: PHASE, message, author: AUTHOR });
    expect(merged.status).toBe("merged");
    const sha = merged.status === "merged" ? merged.sha : "";
    expect(await branchSha(remote, PHASE)).toBe(sha);
    expect(await commitParents(remote, sha)).toEqual([phaseMoved, taskSha]);
    expect(await git(remote.path, ["log", "-1", "--format=%B%an <%ae>", sha])).toBe(`${message}\nCodewalkers <codewalkers@example.com>`);
    expect(await readFileAt(remote, PHASE, "src/login.ts")).toBe("export {};\n");
    expect(await readFileAt(remote, PHASE, "README.md")).toBe("# widgets, phase 3\n");
    expect(phaseBefore).not.toBe(phaseMoved);

    const again = await workspace.mergeBranch({ repo, source: TASK, target: PHASE, message, author: AUTHOR });
    expect(again).toEqual({ status: "up-to-date", sha });
    expect(await branchSha(remote, PHASE)).toBe(sha);
  });

  it("makes a merge commit even when a fast-forward would do (--no-ff)", async () => {
    const { remote, repo, workspace } = await setup();
    const phaseSha = await branchSha(remote, PHASE);
    const taskSha = await cloneAndCommit(remote, TASK, { "src/login.ts": "export {};\n" }, "add login");
    const merged = await workspace.mergeBranch({ repo, source: TASK, target: PHASE, message: "Merge #12", author: AUTHOR });
    expect(merged.status).toBe("merged");
    expect(await commitParents(remote, (await branchSha(remote, PHASE))!)).toEqual([phaseSha, taskSha]);
    expect(await logSubjects(remote, PHASE)).toEqual(["Merge #12", "add login", "initial"]);
  });

  it("reports the conflicting files and pushes nothing", async () => {
    const { remote, repo, workspace } = await setup();
    await cloneAndCommit(remote, TASK, { "src/auth.ts": "line 1\ntask's line 2\nline 3\n", "src/login.ts": "x\n" }, "task edit");
    await cloneAndCommit(remote, PHASE, { "src/auth.ts": "line 1\nphase's line 2\nline 3\n", "README.md": null }, "phase edit");
    const phaseSha = await branchSha(remote, PHASE);

    expect(await workspace.mergeBranch({ repo, source: TASK, target: PHASE, message: "Merge #12", author: AUTHOR })).toEqual({
      status: "conflict",
      files: ["src/auth.ts"],
    });
    expect(await branchSha(remote, PHASE)).toBe(phaseSha);
    expect(await git(remote.path, ["for-each-ref", "--format=%(refname)"])).not.toContain("merge");
  });

  it("names a missing branch", async () => {
    const { repo, workspace } = await setup();
    await expect(workspace.mergeBranch({ repo, source: "cw/task-99-none", target: PHASE, message: "m", author: AUTHOR })).rejects.toThrow(
      "branch cw/task-99-none does not exist on the remote",
    );
  });
});

describe("what a branch adds", () => {
  it("gives the diff stat from the merge base and the commits oldest first", async () => {
    const { remote, repo, workspace } = await setup();
    const first = await cloneAndCommit(remote, TASK, { "src/login.ts": "a\nb\n", "src/auth.ts": "line 1\nline 3\n" }, "add login");
    const second = await cloneAndCommit(remote, TASK, { "README.md": null, "docs/ünïcode.md": "x\n" }, "docs");
    await cloneAndCommit(remote, PHASE, { "phase-only.txt": "not in the task\n" }, "phase moves on");

    const stat = await workspace.diffStat({ repo, base: PHASE, head: TASK });
    expect(stat).toMatchObject({ files: 4, insertions: 3, deletions: 2 });
    expect(stat.text.split("\n").at(-1)).toBe(" 4 files changed, 3 insertions(+), 2 deletions(-)");
    expect(stat.text).toContain("docs/ünïcode.md");
    expect(stat.text).not.toContain("phase-only.txt");

    expect(await workspace.commitsBetween({ repo, base: PHASE, head: TASK })).toEqual([
      { sha: first, subject: "add login" },
      { sha: second, subject: "docs" },
    ]);
    expect(await workspace.commitsBetween({ repo, base: TASK, head: first })).toEqual([]);
    expect(await workspace.diffStat({ repo, base: TASK, head: TASK })).toEqual({ files: 0, insertions: 0, deletions: 0, text: "" });
  });

  it("keeps the last 50 lines of a long stat", async () => {
    const { remote, repo, workspace } = await setup();
    const files = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`f/${String(i).padStart(2, "0")}.txt`, `${i}\n`]));
    await cloneAndCommit(remote, TASK, files, "many files");
    const stat = await workspace.diffStat({ repo, base: "main", head: TASK });
    expect(stat.files).toBe(60);
    expect(stat.text.split("\n")).toHaveLength(50);
    expect(stat.text).toContain("f/59.txt");
    expect(stat.text).not.toContain("f/00.txt");
  });
});
