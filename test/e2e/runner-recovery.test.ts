/**
 * Issue #12, items 2 and 3, the runner's part: whatever a run could not finish never strands its
 * task. A database that goes away while an agent finishes is waited out (the finish lands when it
 * is back, even after the lease lapsed and the task was taken back); a previous life of the runner
 * (killed with its agents still running, a worktree still holding the task's branch) is cleared
 * at boot, and the task runs again.
 */
import { spawn } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { tasks } from "../../src/db/schema.js";
import { createDispatcher } from "../../src/boot.js";
import { reclaimedFrom } from "../../src/db/task-fence.js";
import { reclaimExpiredLeases } from "../../src/runner/task-claims.js";
import { useBootedApp } from "../support/boot.js";
import { fakeAgentScript, installedRepository, runUntilQuiet, statusOf } from "../support/flows.js";
import { readFileAt } from "../support/git-fixtures.js";
import { testAgentUsers, testConfig, testLog } from "../support/github-app.js";
import { alive, waitFor } from "../support/processes.js";
import { databaseAway } from "../support/database-away.js";
import { agentScratch, dropBox } from "../support/scratch.js";
import { useStrictNock } from "../support/strict-nock.js";

const FAKE_AGENT = fileURLToPath(new URL("../support/fake-agent.mjs", import.meta.url));
const scratch = agentScratch("cw-runner-recovery-");
const drop = dropBox(path.join(scratch, "drop"));
const workDir = path.join(scratch, "work");

useStrictNock();
const booted = useBootedApp(() => ({ workDir, agent: "command", agentCommand: `exec node "${FAKE_AGENT}"`, maxAgents: 2 }), {
  maxRetries: 0,
  timeoutSeconds: 30,
  idleSeconds: 20,
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function taskFor(issueNumber: number) {
  const [task] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, issueNumber));
  return task!;
}

describe("a run the database could not record", () => {
  it("is recorded once the database is back, also after its lease lapsed and the task was taken back", { timeout: 90_000 }, async () => {
    const { fake, remote } = await installedRepository(booted, { "README.md": "# Recovery\n" });
    const hold = path.join(drop, `hold-${Date.now()}`);
    const reached = path.join(drop, `reached-${Date.now()}`);
    const n = fake.openIssue({
      title: "Finish through an outage",
      body: fakeAgentScript({
        steps: [
          { behavior: "wait-file", touch: reached, path: hold },
          { behavior: "edit", files: { "outage.txt": "kept\n" }, summary: "Wrote outage.txt." },
        ],
      }),
      labels: ["cw:run"],
    });
    await fake.converge(booted.app.port, booted.settle);
    expect(await booted.app.dispatcher.dispatchOnce()).toBe(1);
    await waitFor(() => existsSync(reached), 30_000);
    const runner = (await taskFor(n)).claimedBy!;

    // The database goes away just as the agent finishes.
    const outage = databaseAway(booted.database);
    writeFileSync(hold, "");
    await waitFor(() => outage.refused() >= 2, 30_000);
    // Meanwhile the lease lapses, and a reclaim (any runner's) takes the task back. (Only the
    // runner's transactions are refused here; these are single statements.)
    await booted.database.db.update(tasks).set({ leaseExpiresAt: sql`now() - interval '1 minute'` }).where(eq(tasks.issueNumber, n));
    await reclaimExpiredLeases(booted.database.db);
    expect(await taskFor(n)).toMatchObject({ status: "pending", claimedBy: reclaimedFrom(runner) });
    const refusedSoFar = outage.refused();
    await waitFor(() => outage.refused() > refusedSoFar, 30_000);
    outage.back();

    await booted.app.dispatcher.idle();
    await runUntilQuiet(booted, fake);
    const task = await taskFor(n);
    expect(task).toMatchObject({ status: "completed", summary: "Wrote outage.txt.", attempt: 1 });
    expect(await readFileAt(remote, task.branch!, "outage.txt")).toBe("kept\n");
    expect(fake.commentsOn(n).some((c) => c.body.includes("Wrote outage.txt."))).toBe(true);
    expect(statusOf(fake, n)).toEqual(["cw:in-review"]);
    // Its worktree is gone, so nothing blocks another run of the task.
    expect(existsSync(path.join(workDir, "worktrees", task.id))).toBe(false);
  });
});

describe("a runner that died with its agents running", () => {
  it("kills what its agent users still run and clears their worktrees at boot; the task runs again", { timeout: 90_000 }, async () => {
    const { fake, remote } = await installedRepository(booted, { "README.md": "# Reborn\n" });
    const n = fake.openIssue({
      title: "Survive the runner",
      body: fakeAgentScript({ behavior: "edit", files: { "reborn.txt": "yes\n" }, summary: "Wrote reborn.txt." }),
      labels: ["cw:run"],
    });
    await fake.converge(booted.app.port, booted.settle);
    const task = await taskFor(n);

    // The previous life: a worktree still holding the task's branch (its git entry locked), and
    // an orphaned agent process still running as one of the runner's agent users.
    const other = testConfig({ workDir, agentUsers: testAgentUsers(2), agent: "command", agentCommand: `exec node "${FAKE_AGENT}"` });
    const { createGitWorkspace } = await import("../../src/runner/workspace/index.js");
    const { unregisterWorktree } = await import("../../src/runner/workspace/worktree-registry.js");
    const workspace = createGitWorkspace({ workDir });
    const repo = { owner: "Codertocat", name: "Hello-World", cloneUrl: remote.path };
    const leftover = path.join(workDir, "worktrees", "left-by-a-dead-run");
    await workspace.addWorktree({ repo, branch: `cw/issue-${n}-survive-the-runner`, base: "main", path: leftover });
    unregisterWorktree(leftover);
    const uid = Number(testAgentUsers(2).split("-")[0]);
    const orphan = spawn("setpriv", [`--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--", "sleep", "600"], { detached: true, stdio: "ignore" });
    orphan.unref();
    await waitFor(() => alive(orphan.pid!));
    // Its claim lapsed.
    await booted.database.db
      .update(tasks)
      .set({ status: "in_progress", attempt: 1, claimedBy: "dead-host:1:x", leaseExpiresAt: sql`now() - interval '1 minute'` })
      .where(eq(tasks.id, task.id));

    const reborn = await createDispatcher(other, booted.database, booted.app.probot, testLog, {
      heartbeatMs: 200,
      maxRetries: 0,
      timeoutSeconds: 30,
      idleSeconds: 20,
    });
    await reborn.start();
    try {
      await waitFor(() => !alive(orphan.pid!), 5_000);
      expect(existsSync(leftover)).toBe(false);
      await reborn.drain();
    } finally {
      await reborn.stop({ kill: true });
    }
    await runUntilQuiet(booted, fake);
    const done = await taskFor(n);
    expect(done).toMatchObject({ status: "completed", summary: "Wrote reborn.txt.", attempt: 2 });
    expect(await readFileAt(remote, done.branch!, "reborn.txt")).toBe("yes\n");
  });
});
