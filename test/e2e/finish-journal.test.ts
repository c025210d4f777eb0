/**
 * Issue #12: "a run whose finish cannot be recorded is finished later from what it left". A run's
 * end is journaled (`<CW_WORKDIR>/finishes/<agent id>.json`) before `finishRun` is tried; a runner
 * that dies while the database is away leaves it there, and the next runner start records it
 * with the run's own fence instead of running the agent again. Here the first life is a runner in
 * this process whose database refuses every transaction when its agent finishes, and which is
 * then stopped without letting the finish through (its death). On PostgreSQL, the last test does it
 * for real: `npm start` in a child process whose finish the database does not answer (the test
 * holds the task's row lock), then `kill -9`, and a second `npm start` on the same database and
 * work directory. (Embedded PGlite lives inside the app's process: nothing outside it can hold it
 * up.) The database is held up, not cut off: postgres.js 3.4.9 can crash the whole process with an
 * uncaught TypeError (`socket.write` of null in connection.js) when its connections are closed
 * under it, at a moment no test chooses.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, type TestContext } from "vitest";
import { eq, sql } from "drizzle-orm";
import { agents, tasks } from "../../src/db/schema.js";
import { createDispatcher } from "../../src/boot.js";
import { decodeFinish, encodeFinish } from "../../src/core/finish-record.js";
import type { Dispatcher } from "../../src/runner/dispatcher.js";
import { startAppProcess, type AppProcess } from "../support/app-process.js";
import { useBootedApp } from "../support/boot.js";
import { createTestDatabase } from "../support/database.js";
import { FakeGitHub } from "../support/fake-github/index.js";
import { deliverWebhooks, serveFakeGitHub } from "../support/fake-github/http-server.js";
import { createBareRemote } from "../support/git-fixtures.js";
import { fakeAgentScript, installedRepository, runUntilQuiet, statusOf } from "../support/flows.js";
import type { BareRemote } from "../support/git-fixtures.js";
import { readFileAt } from "../support/git-fixtures.js";
import { TEST_WEBHOOK_SECRET, testAgentUsers, testConfig, testLog } from "../support/github-app.js";
import { waitFor } from "../support/processes.js";
import { databaseAway } from "../support/database-away.js";
import { agentScratch, dropBox } from "../support/scratch.js";
import { useStrictNock } from "../support/strict-nock.js";

const FAKE_AGENT = fileURLToPath(new URL("../support/fake-agent.mjs", import.meta.url));
const KEY_PATH = fileURLToPath(new URL("../fixtures/test-app-key.pem", import.meta.url));
const AGENT_COMMAND = `exec node "${FAKE_AGENT}"`;
const scratch = agentScratch("cw-finish-journal-");
const drop = dropBox(path.join(scratch, "drop"));
const workDir = path.join(scratch, "work");
const finishes = path.join(workDir, "finishes");
/** One line per agent run (the fake agent appends its input here). */
const INPUT_LOG = path.join(drop, "inputs.jsonl");

useStrictNock();
const booted = useBootedApp(() => ({ workDir, agent: "command", agentCommand: AGENT_COMMAND, maxAgents: 2 }), {
  maxRetries: 0,
  timeoutSeconds: 30,
  idleSeconds: 20,
  agentEnv: { FAKE_AGENT_INPUT_LOG: INPUT_LOG },
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A runner of its own on the app's database and work directory (its own agent users). */
function runnerLife(users: number): Promise<Dispatcher> {
  return createDispatcher(
    testConfig({ workDir, agentUsers: testAgentUsers(users), agent: "command", agentCommand: AGENT_COMMAND }),
    booted.database,
    booted.app.probot,
    testLog,
    { heartbeatMs: 200, maxRetries: 0, timeoutSeconds: 30, idleSeconds: 20, agentEnv: { FAKE_AGENT_INPUT_LOG: INPUT_LOG } },
  );
}

function agentRuns(): number {
  return existsSync(INPUT_LOG) ? readFileSync(INPUT_LOG, "utf8").split("\n").filter(Boolean).length : 0;
}

function journaled(): string[] {
  return existsSync(finishes) ? readdirSync(finishes).sort() : [];
}

async function taskFor(issueNumber: number) {
  const [task] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, issueNumber));
  return task!;
}

interface DeadRun {
  fake: FakeGitHub;
  remote: BareRemote;
  n: number;
  /** The journal file the dead run left. */
  file: string;
}

/**
 * The first life: its agent finishes while the database refuses transactions, its finish is
 * journaled and tried, and the runner dies before the database is back. Its task is left as a
 * dead runner leaves it: in progress, claimed by that runner, its lease lapsed.
 */
async function runThatDiedUnrecorded(summary: string): Promise<DeadRun> {
  rmSync(INPUT_LOG, { force: true });
  const { fake, remote } = await installedRepository(booted, { "README.md": "# Journal\n" });
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  const hold = path.join(drop, `hold-${stamp}`);
  const reached = path.join(drop, `reached-${stamp}`);
  const n = fake.openIssue({
    title: "Finish after a death",
    body: fakeAgentScript({
      steps: [
        { behavior: "wait-file", touch: reached, path: hold },
        { behavior: "edit", files: { "journal.txt": "kept\n" }, summary },
      ],
    }),
    labels: ["cw:run"],
  });
  await fake.converge(booted.app.port, booted.settle);

  const first = await runnerLife(1);
  expect(await first.dispatchOnce()).toBe(1);
  await waitFor(() => existsSync(reached), 30_000);
  const outage = databaseAway(booted.database);
  writeFileSync(hold, "");
  try {
    await waitFor(() => journaled().length === 1 && outage.refused() >= 1, 30_000);
    // Its death: the runner goes, and with it the finish it was still trying.
    await first.stop({ kill: true });
  } finally {
    outage.back();
  }
  expect(journaled()).toHaveLength(1);
  expect(await taskFor(n)).toMatchObject({ status: "in_progress", claimedBy: first.runnerId, attempt: 1 });
  // Its lease has lapsed too: a reclaim before the replay would take the task back.
  await booted.database.db.update(tasks).set({ leaseExpiresAt: sql`now() - interval '1 minute'` }).where(eq(tasks.issueNumber, n));
  expect(agentRuns()).toBe(1);
  return { fake, remote, n, file: path.join(finishes, journaled()[0]!) };
}

/** The next life: a runner started on the same database and work directory, until nothing is ready. */
async function nextLife(): Promise<void> {
  const reborn = await runnerLife(2);
  await reborn.start();
  try {
    await reborn.drain();
  } finally {
    await reborn.stop({ kill: true });
  }
}

describe("a run whose runner died before the database recorded its finish", () => {
  if (process.env.DATABASE_URL) {
    it("npm start killed with SIGKILL: the next npm start records it from the journal, one agent run", { timeout: 240_000 }, killedAppTest);
  }

  it("is finished by the next start from its journal: the agent ran once, the task ends as it decided", { timeout: 120_000 }, async () => {
    const { fake, remote, n, file } = await runThatDiedUnrecorded("Wrote journal.txt.");
    // The journal is the runner's alone, and holds the run's end as the database would.
    expect(readdirSync(workDir).includes("finishes")).toBe(true);
    expect(statSync(finishes).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const decoded = decodeFinish(readFileSync(file, "utf8"));
    expect(decoded).toMatchObject({ ok: true, input: { end: { kind: "completed", summary: "Wrote journal.txt." } } });

    await nextLife();
    await runUntilQuiet(booted, fake);

    const task = await taskFor(n);
    expect(task).toMatchObject({ status: "completed", summary: "Wrote journal.txt.", attempt: 1, claimedBy: null });
    expect(agentRuns()).toBe(1);
    expect(await booted.database.db.select().from(agents).where(eq(agents.taskId, task.id))).toMatchObject([{ status: "idle" }]);
    expect(await readFileAt(remote, task.branch!, "journal.txt")).toBe("kept\n");
    expect(fake.commentsOn(n).filter((c) => c.body.includes("Wrote journal.txt."))).toHaveLength(1);
    expect([...fake.repositories[0]!.pullRequests.pulls.values()].map((pr) => pr.head.ref)).toEqual([task.branch]);
    expect(statusOf(fake, n)).toEqual(["cw:in-review"]);
    expect(journaled()).toEqual([]);
  });

  it("a journal that cannot be read is set aside, the start goes on, and the task runs again", { timeout: 120_000 }, async () => {
    const { fake, n, file } = await runThatDiedUnrecorded("Wrote journal.txt.");
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.slice(0, text.length / 2));

    await nextLife();
    await runUntilQuiet(booted, fake);

    expect(journaled()).toEqual([`${path.basename(file)}.unreadable`]);
    expect(await taskFor(n)).toMatchObject({ status: "completed", summary: "Wrote journal.txt.", attempt: 2 });
    expect(agentRuns()).toBe(2);
    expect(statusOf(fake, n)).toEqual(["cw:in-review"]);
    rmSync(path.join(finishes, journaled()[0]!));
  });

  it("a journal whose task moved on meanwhile is dropped: nothing of it is recorded", { timeout: 120_000 }, async () => {
    const { fake, n, file } = await runThatDiedUnrecorded("Wrote journal.txt.");
    const firstAgent = decodeFinish(readFileSync(file, "utf8"));
    if (!firstAgent.ok) throw new Error(firstAgent.problem);
    // What the journal says must never land: marked, to be looked for.
    const input = firstAgent.input;
    if (input.end.kind !== "completed") throw new Error(`unexpected end ${input.end.kind}`);
    writeFileSync(file, encodeFinish({ ...input, end: { ...input.end, summary: "STALE", comment: "STALE" } }));
    // Another runner took the task back and ran it again, to its end.
    await runUntilQuiet(booted, fake);
    expect(await taskFor(n)).toMatchObject({ status: "completed", attempt: 2, summary: "Wrote journal.txt." });

    await nextLife();
    await runUntilQuiet(booted, fake);

    expect(journaled()).toEqual([]);
    const task = await taskFor(n);
    expect(task).toMatchObject({ status: "completed", attempt: 2, summary: "Wrote journal.txt." });
    expect(fake.commentsOn(n).some((c) => c.body.includes("STALE"))).toBe(false);
    expect(agentRuns()).toBe(2);
    const [dead] = await booted.database.db.select().from(agents).where(eq(agents.id, input.agentId));
    expect(dead!.status).toBe("stopped");
    expect(statusOf(fake, n)).toEqual(["cw:in-review"]);
  });
});

/** `npm start` killed while a finished run waits for the database; the next `npm start` records it. */
async function killedAppTest(context: TestContext): Promise<void> {
  const remote = await createBareRemote({ files: { "README.md": "# Killed\n" } });
  const fake = new FakeGitHub({ repositories: [{ cloneUrl: remote.path }] });
  const github = await serveFakeGitHub(fake);
  const database = await createTestDatabase();
  const dataDir = path.join(scratch, "killed-data");
  const appWorkDir = path.join(scratch, "killed-work");
  const inputLog = path.join(drop, "killed-inputs.jsonl");
  const hold = path.join(drop, "killed-hold");
  const reached = path.join(drop, "killed-reached");
  const env = {
    APP_ID: "4242",
    PRIVATE_KEY_PATH: KEY_PATH,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    HOST: "127.0.0.1",
    DATABASE_URL: database.url!,
    CW_DATA_DIR: dataDir,
    CW_WORKDIR: appWorkDir,
    // The test server trusts local connections: known here.
    CW_UNSAFE_DATABASE: "1",
    CW_AGENT: "command",
    CW_AGENT_COMMAND: AGENT_COMMAND,
    CW_AGENT_USERS: testAgentUsers(3),
    CW_AGENT_RETRIES: "0",
    CW_AGENT_ENV: "FAKE_AGENT_INPUT_LOG",
    FAKE_AGENT_INPUT_LOG: inputLog,
  };
  const apps: AppProcess[] = [];
  let release = () => {};
  context.onTestFinished(async () => {
    release();
    for (const app of apps) await app.kill("SIGKILL");
    await github.close();
    await database.close();
  });

  const first = await startAppProcess(env);
  apps.push(first);
  let webhooks = deliverWebhooks(fake, first.port);
  fake.install();
  await first.until(() => fake.labels().some((l) => l.name === "cw:run"), 60_000);
  const n = fake.openIssue({
    title: "Finish after a kill",
    body: fakeAgentScript({
      steps: [
        { behavior: "wait-file", touch: reached, path: hold, timeoutMs: 120_000 },
        { behavior: "edit", files: { "killed.txt": "kept\n" }, summary: "Wrote killed.txt." },
      ],
    }),
    labels: ["cw:run"],
  });
  await first.until(() => existsSync(reached), 60_000);

  // The database stops answering for the task as its agent finishes: the work is pushed, the
  // finish journaled, and `finishRun` waits for the row; then the process is killed.
  const [claimed] = await database.db.select().from(tasks).where(eq(tasks.issueNumber, n));
  let locked = () => {};
  const lockTaken = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holding = database.db.transaction(async (tx) => {
    await tx.select().from(tasks).where(eq(tasks.id, claimed!.id)).for("update");
    locked();
    await new Promise<void>((resolve) => {
      release = resolve;
    });
  });
  await lockTaken;
  writeFileSync(hold, "");
  const journalDir = path.join(appWorkDir, "finishes");
  await first.until(() => existsSync(journalDir) && readdirSync(journalDir).length === 1, 60_000);
  expect(await first.kill("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
  await webhooks.stop();
  release();
  await holding;

  const [journalFile] = readdirSync(journalDir);
  const journal = decodeFinish(readFileSync(path.join(journalDir, journalFile!), "utf8"));
  if (!journal.ok) throw new Error(journal.problem);
  expect(journal.input.end).toMatchObject({ kind: "completed", summary: "Wrote killed.txt." });
  // What the dead run left on the host: its worktree, holding the task's branch.
  const leftover = path.join(appWorkDir, "worktrees", claimed!.id);
  expect(existsSync(leftover)).toBe(true);
  const [unrecorded] = await database.db.select().from(tasks).where(eq(tasks.issueNumber, n));
  expect(unrecorded).toMatchObject({ status: "in_progress", attempt: 1 });

  // The second life, on the same database and work directory.
  const second = await startAppProcess(env);
  apps.push(second);
  webhooks = deliverWebhooks(fake, second.port);
  const pulls = () => [...fake.repositories[0]!.pullRequests.pulls.values()];
  await second.until(
    () => statusOf(fake, n).join() === "cw:in-review" && pulls().length === 1 && fake.commentsOn(n).some((c) => c.body.includes("Wrote killed.txt.")),
    120_000,
  );
  await webhooks.stop();
  expect(await second.kill("SIGTERM"), second.output()).toEqual({ code: 0, signal: null });

  const [task] = await database.db.select().from(tasks).where(eq(tasks.issueNumber, n));
  expect(task).toMatchObject({ status: "completed", summary: "Wrote killed.txt.", attempt: 1 });
  expect(readFileSync(inputLog, "utf8").split("\n").filter(Boolean)).toHaveLength(1);
  expect(pulls()[0]!.head.ref).toBe(task!.branch);
  expect(await readFileAt(remote, task!.branch!, "killed.txt")).toBe("kept\n");
  expect(fake.commentsOn(n).filter((c) => c.body.includes("Wrote killed.txt."))).toHaveLength(1);
  expect(readdirSync(journalDir)).toEqual([]);
  expect(existsSync(leftover)).toBe(false);
}
