/**
 * The target branch moves between the merge and its push: someone pushes at exactly that
 * moment (the push step is wrapped to let them). The rejected push is real git; the merge is
 * recomputed on the new target, and a target that moved at every attempt is an error, never a
 * force.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { BranchMovedError, createGitWorkspace } from "../../src/runner/workspace/index.js";
import { PUSH_ATTEMPTS } from "../../src/runner/workspace/merge-branch.js";
import { branchSha, cleanupGitFixtures, cloneAndCommit, commitParents, createBareRemote, makeTempDir, readFileAt } from "../support/git-fixtures.js";

const race = vi.hoisted(() => ({ beforePush: [] as (() => Promise<unknown>)[], pushes: 0 }));

vi.mock("../../src/runner/workspace/push-ref.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/runner/workspace/push-ref.js")>();
  return {
    ...original,
    pushRef: async (...args: Parameters<typeof original.pushRef>) => {
      race.pushes++;
      await race.beforePush.shift()?.();
      return original.pushRef(...args);
    },
  };
});

afterEach(async () => {
  race.beforePush.length = 0;
  race.pushes = 0;
  await cleanupGitFixtures();
});

const AUTHOR = { name: "Codewalkers", email: "codewalkers@example.com" };
const PHASE = "cw/user-auth--phase-3";
const TASK = "cw/task-12-add-login";

async function setup() {
  const remote = await createBareRemote({ files: { "README.md": "# widgets\n" } });
  const repo = { owner: "acme", name: "widgets", cloneUrl: remote.url };
  const workspace = createGitWorkspace({ workDir: await makeTempDir("cw-work-") });
  await workspace.ensureRemoteBranch({ repo, branch: PHASE, from: "main" });
  const taskSha = await cloneAndCommit(remote, TASK, { "login.ts": "x\n" }, "add login");
  return { remote, repo, workspace, taskSha };
}

describe("mergeBranch when the target moves", () => {
  it("fetches and merges again onto the moved target", async () => {
    const { remote, repo, workspace, taskSha } = await setup();
    let moved = "";
    race.beforePush.push(async () => {
      moved = await cloneAndCommit(remote, PHASE, { "other.ts": "y\n" }, "someone else merged first");
    });

    const result = await workspace.mergeBranch({ repo, source: TASK, target: PHASE, message: "Merge #12", author: AUTHOR });
    expect(result.status).toBe("merged");
    const tip = (await branchSha(remote, PHASE))!;
    expect(result).toEqual({ status: "merged", sha: tip });
    expect(await commitParents(remote, tip)).toEqual([moved, taskSha]);
    expect(await readFileAt(remote, PHASE, "other.ts")).toBe("y\n");
    expect(await readFileAt(remote, PHASE, "login.ts")).toBe("x\n");
  });

  it("merges again after several moves, and gives up without forcing once the target moved at every attempt", async () => {
    const { remote, repo, workspace, taskSha } = await setup();
    const push = () => cloneAndCommit(remote, PHASE, { [`busy-${Math.random()}.ts`]: "z\n" }, "busy");
    race.beforePush.push(...Array.from({ length: PUSH_ATTEMPTS - 1 }, () => push));
    const result = await workspace.mergeBranch({ repo, source: TASK, target: PHASE, message: "Merge #12", author: AUTHOR });
    const tip = (await branchSha(remote, PHASE))!;
    expect(result).toEqual({ status: "merged", sha: tip });
    expect((await commitParents(remote, tip))[1]).toBe(taskSha);

    await cloneAndCommit(remote, "cw/issue-13-logout", { "logout.ts": "x\n" }, "add logout");
    race.beforePush.push(...Array.from({ length: PUSH_ATTEMPTS }, () => push));

    await expect(workspace.mergeBranch({ repo, source: "cw/issue-13-logout", target: PHASE, message: "Merge #13", author: AUTHOR })).rejects.toBeInstanceOf(
      BranchMovedError,
    );
    expect(await readFileAt(remote, PHASE, "logout.ts")).toBeUndefined();
  });

  it("runs of one runner finishing at once take turns: each merges once, onto the one before, and no push is refused", async () => {
    const { remote, repo, workspace } = await setup();
    const tasks = Array.from({ length: 6 }, (_, i) => `cw/task-${20 + i}-part-${i}`);
    for (const [i, task] of tasks.entries()) await cloneAndCommit(remote, task, { [`part-${i}.ts`]: `${i}\n` }, `part ${i}`);
    race.pushes = 0;

    const results = await Promise.all(
      tasks.map((source, i) => workspace.mergeBranch({ repo, source, target: PHASE, message: `Merge part ${i}`, author: AUTHOR })),
    );

    expect(results.map((r) => r.status)).toEqual(tasks.map(() => "merged"));
    expect(race.pushes).toBe(tasks.length);
    for (const i of tasks.keys()) expect(await readFileAt(remote, PHASE, `part-${i}.ts`)).toBe(`${i}\n`);
  });
});
