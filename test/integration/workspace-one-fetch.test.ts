/**
 * A run's start fetches once: the branches it makes and the worktree it adds reuse the fetch its
 * first step made (`freshAsOf`), because a push that lands moves the mirror's remote-tracking ref.
 * Proven by taking the remote away after the first step: a second fetch would fail.
 */
import { rename } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import { createGitWorkspace } from "../../src/runner/workspace/index.js";
import { branchSha, cleanupGitFixtures, cloneAndCommit, createBareRemote, makeTempDir } from "../support/git-fixtures.js";

afterEach(cleanupGitFixtures);

const INITIATIVE = "cw/user-auth";
const PHASE = "cw/user-auth--phase-3";
const TASK = "cw/issue-12-add-login";

describe("a run's start", () => {
  it("makes its branches and its worktree with one fetch; without freshAsOf every step fetches", async () => {
    const remote = await createBareRemote({ files: { "README.md": "# widgets\n" } });
    const repo = { owner: "acme", name: "widgets", cloneUrl: remote.url };
    const workspace = createGitWorkspace({ workDir: await makeTempDir("cw-work-") });

    const freshAsOf = performance.now();
    const initiative = await workspace.ensureRemoteBranch({ repo, branch: INITIATIVE, from: "main", freshAsOf });
    expect(initiative.created).toBe(true);
    const phase = await workspace.ensureRemoteBranch({ repo, branch: PHASE, from: INITIATIVE, freshAsOf });
    expect(phase).toEqual({ created: true, sha: initiative.sha });
    // Take the remote away: a fetch would fail now. The worktree comes from the phase branch the
    // mirror saw itself push.
    const away = `${remote.path}.away`;
    await rename(remote.path, away);
    const tree = await workspace.addWorktree({ repo, branch: TASK, base: PHASE, path: await makeTempDir("cw-tree-"), freshAsOf });
    expect(tree.headSha).toBe(initiative.sha);
    await rename(away, remote.path);
    expect(await branchSha(remote, PHASE)).toBe(initiative.sha);

    // A step that is not told the run's start fetches, and sees what was pushed meanwhile.
    const moved = await cloneAndCommit(remote, PHASE, { "other.ts": "y\n" }, "someone else");
    const fresh = await workspace.addWorktree({ repo, branch: "cw/issue-13-logout", base: PHASE, path: await makeTempDir("cw-tree-") });
    expect(fresh.headSha).toBe(moved);
  });
});
