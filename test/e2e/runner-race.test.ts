/**
 * Runners sharing one database (DESIGN §2 principle 6): two dispatchers, each with its own
 * workspace and runner id, drain the same 50 ready tasks at once and every task runs exactly
 * once; a runner that lost its lease cannot record a late result over the task's new attempt;
 * a task whose runner died (its lease lapsed) is taken back and run by a live runner.
 *
 * On PostgreSQL the two runners really race (a pool of connections, `FOR UPDATE SKIP LOCKED`);
 * on PGlite they take turns on its one connection, so the same test checks only the outcome.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { createDispatcher } from "../../src/boot.js";
import { finishRun } from "../../src/core/commands/finish-run.js";
import { agents, outbox, tasks } from "../../src/db/schema.js";
import type { Dispatcher } from "../../src/runner/dispatcher.js";
import { startRun } from "../../src/runner/start-run.js";
import { reclaimExpiredLeases } from "../../src/runner/task-claims.js";
import { useBootedApp } from "../support/boot.js";
import type { FakeGitHub } from "../support/fake-github/index.js";
import { readFileAt, type BareRemote } from "../support/git-fixtures.js";
import { installedRepository } from "../support/flows.js";
import { testAgentUsers, testConfig, testLog } from "../support/github-app.js";
import { useStrictNock } from "../support/strict-nock.js";
import { agentScratch } from "../support/scratch.js";

const scratch = agentScratch("cw-runner-race-");
// An instant agent (DESIGN §3): leaves one file saying which task it ran, and its result.
const INSTANT_AGENT = [
  `printf '%s\\n' "$CW_TASK_ID" > ran.txt`,
  `printf '{"status":"done","summary":"ran %s"}' "$CW_TASK_ID" > "$CW_OUTPUT_DIR/result.json"`,
].join(" && ");
const RUNNER = { maxRetries: 0, timeoutSeconds: 30, idleSeconds: 20 };
const TASKS = 50;

useStrictNock();
const booted = useBootedApp(() => ({ workDir: path.join(scratch, "runner-one"), agent: "command", agentCommand: INSTANT_AGENT, maxAgents: 4 }), RUNNER);
const others: Dispatcher[] = [];
afterAll(async () => {
  for (const d of others) await d.stop({ kill: true });
  rmSync(scratch, { recursive: true, force: true });
});

/** A second runner process on another host: same database, its own workspace, users and runner id. */
async function secondRunner(): Promise<Dispatcher> {
  const config = testConfig({
    workDir: path.join(scratch, `runner-two-${others.length}`),
    agentUsers: testAgentUsers(1 + others.length),
    agent: "command",
    agentCommand: INSTANT_AGENT,
    maxAgents: 4,
  });
  const dispatcher = await createDispatcher(config, booted.database, booted.app.probot, testLog, { heartbeatMs: 200, ...RUNNER });
  others.push(dispatcher);
  return dispatcher;
}

function setup(): Promise<{ fake: FakeGitHub; remote: BareRemote }> {
  return installedRepository(booted, { "README.md": "# Race\n" });
}

async function taskFor(issueNumber: number) {
  const [task] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, issueNumber));
  return task!;
}

const everything = async () => ({
  tasks: await booted.database.db.select().from(tasks).orderBy(tasks.id),
  outbox: await booted.database.db.select().from(outbox).orderBy(outbox.seq),
});

describe("runners sharing the database", () => {
  it(`two runners racing for ${TASKS} tasks run each one once`, { timeout: 180_000 }, async () => {
    const { fake, remote } = await setup();
    const numbers = Array.from({ length: TASKS }, (_, i) => fake.openIssue({ title: `Chore ${i + 1}`, labels: ["cw:run"] }));
    await fake.converge(booted.app.port, booted.settle);
    for (const n of numbers) expect(fake.labelsOf(n)).toContain("cw:ready");

    const one = booted.app.dispatcher;
    const two = await secondRunner();
    expect(one.runnerId).not.toBe(two.runnerId);
    const [startedByOne, startedByTwo] = await Promise.all([one.drain(), two.drain()]);
    expect(startedByOne + startedByTwo).toBe(TASKS);

    const db = booted.database.db;
    const rows = await db.select().from(tasks);
    expect(rows).toHaveLength(TASKS);
    // Every task completed, on its first and only attempt, and no claim is left behind.
    for (const t of rows) {
      expect(t, `#${t.issueNumber}`).toMatchObject({ status: "completed", attempt: 1, claimedBy: null, leaseExpiresAt: null, summary: `ran ${t.id}` });
    }
    // Exactly one agent per task: nothing ran twice.
    const runs = await db.select().from(agents);
    expect(runs).toHaveLength(TASKS);
    expect(new Set(runs.map((r) => r.taskId)).size).toBe(TASKS);
    for (const r of runs) expect(r).toMatchObject({ status: "idle", attempt: 1, exitCode: 0 });
    const byRunner = new Map<string, number>();
    for (const r of runs) byRunner.set(r.runnerId!, (byRunner.get(r.runnerId!) ?? 0) + 1);
    expect([...byRunner.keys()].every((id) => id === one.runnerId || id === two.runnerId)).toBe(true);
    expect(byRunner.get(one.runnerId) ?? 0).toBe(startedByOne);
    expect(byRunner.get(two.runnerId) ?? 0).toBe(startedByTwo);
    // Only PostgreSQL has the connections for a real race: on PGlite's single connection one
    // runner may take every task before the other gets a turn, so sharing is asserted here only.
    if (process.env.DATABASE_URL) {
      expect(startedByOne).toBeGreaterThan(0);
      expect(startedByTwo).toBeGreaterThan(0);
    }

    // Each task's work is on its own branch, written by its one run.
    for (const t of rows.slice(0, 5)) expect(await readFileAt(remote, t.branch!, "ran.txt")).toBe(`${t.id}\n`);

    // What GitHub is to be told, per issue: done, with one report. (The outbox paces these writes
    // at GitHub's 80 a minute, so they are checked where they wait, not on the fake.) The
    // reconciles the completions owe are run first.
    await booted.app.reconcile.drain();
    const intents = await db.select().from(outbox).orderBy(outbox.seq);
    const latest = (key: string) => intents.filter((o) => o.targetKey.endsWith(key)).at(-1)?.payload as Record<string, unknown> | undefined;
    for (const n of numbers) {
      // Each task's work waits in the pull request asked for it: in review (never "done" first).
      expect(latest(`#${n}`)?.label, `#${n}`).toBe("cw:in-review");
      expect(String(latest(`#${n}:agent`)?.body), `#${n}`).toContain("finished this task");
    }
  });

  it("rejects a stale completion: a runner whose lease was taken over records nothing", async () => {
    const { fake } = await setup();
    const n = fake.openIssue({ title: "Contested", labels: ["cw:run"] });
    await fake.converge(booted.app.port, booted.settle);
    const db = booted.database.db;

    // Runner A claims the task, then stalls past its lease; runner B takes it over.
    const a = await startRun(db, { runnerId: "runner-a", host: "host-a", provider: "command" });
    expect(a?.fence).toMatchObject({ attempt: 1, runnerId: "runner-a" });
    await db.update(tasks).set({ leaseExpiresAt: sql`now() - interval '1 second'` }).where(eq(tasks.id, a!.task.id));
    expect((await reclaimExpiredLeases(db)).map((t) => t.id)).toEqual([a!.task.id]);
    const b = await startRun(db, { runnerId: "runner-b", host: "host-b", provider: "command" });
    expect(b?.fence).toMatchObject({ taskId: a!.task.id, attempt: 2, runnerId: "runner-b" });

    const before = await everything();
    const late = await finishRun(db, {
      fence: a!.fence,
      agentId: a!.agent.id,
      exitCode: 0,
      sessionId: null,
      logTail: "",
      end: { kind: "completed", summary: "A's late result", comment: "✅ A's late result" },
    });
    expect(late).toBe(false);
    // Nothing about the task changed and nothing was queued for GitHub.
    expect(await everything()).toEqual(before);
    expect(await taskFor(n)).toMatchObject({ status: "in_progress", attempt: 2, claimedBy: "runner-b", summary: null });
    // A's own agent row is closed as stopped, its result kept there and nowhere else.
    const [agentA] = await db.select().from(agents).where(eq(agents.id, a!.agent.id));
    expect(agentA).toMatchObject({ status: "stopped", result: "A's late result" });

    // The holder of the current fence still finishes it.
    const current = await finishRun(db, {
      fence: b!.fence,
      agentId: b!.agent.id,
      exitCode: 0,
      sessionId: null,
      logTail: "",
      end: { kind: "completed", summary: "B's result", comment: "✅ B's result" },
    });
    expect(current).toBe(true);
    expect(await taskFor(n)).toMatchObject({ status: "completed", attempt: 2, claimedBy: null, summary: "B's result" });
    // A's result, arriving later still, changes nothing either.
    const after = await everything();
    expect(
      await finishRun(db, {
        fence: a!.fence,
        agentId: a!.agent.id,
        exitCode: 0,
        sessionId: null,
        logTail: "",
        end: { kind: "failed", error: "late", comment: "late" },
      }),
    ).toBe(false);
    expect(await everything()).toEqual(after);
    await fake.converge(booted.app.port, booted.settle);
    expect(
      fake
        .commentsOn(n)
        .map((c) => c.body)
        .join("\n"),
    ).not.toContain("A's late result");
  });

  it("takes back a task whose runner stopped renewing its lease, and runs it on a live runner", async () => {
    const { fake, remote } = await setup();
    const n = fake.openIssue({ title: "Orphaned", labels: ["cw:run"] });
    await fake.converge(booted.app.port, booted.settle);
    const task = await taskFor(n);
    const db = booted.database.db;
    // A runner on another host claimed it and died: its lease ran out a minute ago.
    await db
      .update(tasks)
      .set({ status: "in_progress", attempt: 1, claimedBy: "dead-host:1:gone", leaseExpiresAt: sql`now() - interval '1 minute'` })
      .where(eq(tasks.id, task.id));
    await db.insert(agents).values({
      name: "lost-walrus",
      taskId: task.id,
      worktreeId: "lost-walrus",
      provider: "command",
      status: "running",
      attempt: 1,
      runnerId: "dead-host:1:gone",
    });

    const live = await secondRunner();
    expect(await live.drain()).toBe(1);
    const done = await taskFor(n);
    expect(done).toMatchObject({ status: "completed", attempt: 2, claimedBy: null, summary: `ran ${task.id}` });
    const runs = await db.select().from(agents).where(eq(agents.taskId, task.id));
    expect(runs).toHaveLength(2);
    expect(runs.find((r) => r.name !== "lost-walrus")).toMatchObject({ runnerId: live.runnerId, attempt: 2, status: "idle" });
    expect(await readFileAt(remote, done.branch!, "ran.txt")).toBe(`${task.id}\n`);

    // The dead runner, should it come back, is fenced out.
    const ghost = runs.find((r) => r.name === "lost-walrus")!;
    const before = await everything();
    const late = await finishRun(db, {
      fence: { taskId: task.id, attempt: 1, runnerId: "dead-host:1:gone" },
      agentId: ghost.id,
      exitCode: 1,
      sessionId: null,
      logTail: "",
      end: { kind: "failed", error: "late", comment: "late" },
    });
    expect(late).toBe(false);
    expect(await everything()).toEqual(before);
  });

  // A pool of connections is what makes claims race; PGlite has one connection, so there
  // claims simply take turns and this would prove nothing.
  if (process.env.DATABASE_URL) {
    it("claims from many connections at once never take the same task twice", async () => {
      const { fake } = await setup();
      for (let i = 0; i < 12; i++) fake.openIssue({ title: `Claim ${i + 1}`, labels: ["cw:run"] });
      await fake.converge(booted.app.port, booted.settle);
      const db = booted.database.db;
      const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => startRun(db, { runnerId: `claimer-${i}`, host: "h", provider: "command" })));
      const won = claims.filter((c) => c !== undefined);
      // SKIP LOCKED may make a claimer miss a task another one holds for a moment: none is taken twice.
      expect(new Set(won.map((c) => c.task.id)).size).toBe(won.length);
      const rows = await db.select().from(tasks);
      const claimed = rows.filter((t) => t.status === "in_progress");
      expect(claimed).toHaveLength(won.length);
      for (const t of claimed) {
        const claim = won.find((c) => c.task.id === t.id)!;
        expect(t).toMatchObject({ attempt: 1, claimedBy: claim.fence.runnerId });
      }
      expect(await db.select().from(agents)).toHaveLength(won.length);
    });

    it("completions recorded at the same moment leave every issue's last status write at done", async () => {
      const { fake } = await setup();
      const numbers = Array.from({ length: 24 }, (_, i) => fake.openIssue({ title: `Finish ${i + 1}`, labels: ["cw:run"] }));
      await fake.converge(booted.app.port, booted.settle);
      const db = booted.database.db;
      const runs = [];
      for (let i = 0; i < numbers.length; i++) runs.push((await startRun(db, { runnerId: `runner-${i % 3}`, host: "h", provider: "command" }))!);
      // Each completion re-reads the whole project and records the label every issue should
      // carry: one that read before another committed must not write its stale view last.
      const recorded = await Promise.all(
        runs.map((run) =>
          finishRun(db, {
            fence: run.fence,
            agentId: run.agent.id,
            exitCode: 0,
            sessionId: null,
            logTail: "",
            end: { kind: "completed", summary: "done", comment: "✅ done" },
          }),
        ),
      );
      expect(recorded.every(Boolean)).toBe(true);
      // Each completion owes the project a reconcile: converge what is owed.
      await booted.app.reconcile.drain();
      const intents = await db.select().from(outbox).orderBy(outbox.seq);
      const lastLabel = (n: number) => (intents.filter((o) => o.targetKey.endsWith(`#${n}`)).at(-1)?.payload as { label?: string } | undefined)?.label;
      expect(numbers.map((n) => [n, lastLabel(n)])).toEqual(numbers.map((n) => [n, "cw:done"]));
    });
  }
});
