/**
 * Account rotation end to end: the `claude` adapter runs a stand-in CLI (a shell script that
 * records what it was given and then plays the fake agent) with the credentials of the account
 * the runner picked. An account that hits its usage limit rests until the reset time and the
 * task moves on to the next account; with every account at its limit the task waits, says so
 * once, and no agent is started until an account is back.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { ACCOUNTS_MARKER } from "../../src/core/commands/finish-run.js";
import { commentMarker } from "../../src/core/intents.js";
import { accounts, agents, tasks } from "../../src/db/schema.js";
import { addAccount } from "../../src/runner/accounts/account-store.js";
import { homeKey } from "../../src/runner/containment/agent-session.js";
import { FAKE_AGENT, useFakeAgentApp } from "../support/fake-agent-app.js";
import { installedRepository, statusOf } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";
import { dropBox } from "../support/scratch.js";

const SECRET_KEY = randomBytes(32);
useStrictNock();
const { booted, scratch } = useFakeAgentApp("cw-runner-accounts-", {
  config: { agent: "claude", agentCommand: undefined, secretKey: SECRET_KEY },
  // WEBHOOK_SECRET here proves even the runner's own extra environment is filtered.
  runner: () => ({ agentEnv: { CW_CLAUDE_BIN: CLAUDE, WEBHOOK_SECRET: "leaked-through-agent-env" } }),
});
/** The runner's work directory (useFakeAgentApp's). */
const workDir = path.join(scratch, "work");
/** One env-<n>.txt and argv-<n>.txt per start of the CLI. */
const spawns = path.join(scratch, "spawns");
/** `limited-<api key>` holds the unix time its limit resets: that account's CLI says so and exits. */
const limits = path.join(scratch, "limits");
dropBox(spawns);
dropBox(limits);

// Stands in for `claude`: the adapter runs it with the scrubbed environment (protocol variables
// and the account's), and it hands that environment on to the fake agent it becomes.
const CLAUDE = path.join(scratch, "claude");
writeFileSync(
  CLAUDE,
  `#!/bin/sh
n=$(ls "${spawns}" | grep -c '^env-')
env > "${spawns}/env-$n.txt"
printf '%s\\n' "$@" > "${spawns}/argv-$n.txt"
if [ -f "${limits}/limited-$ANTHROPIC_API_KEY" ]; then
  FAKE_AGENT_SCRIPT="{\\"behavior\\":\\"usage-limit\\",\\"resetAt\\":$(cat "${limits}/limited-$ANTHROPIC_API_KEY")}"
else
  FAKE_AGENT_SCRIPT="{\\"behavior\\":\\"claude-stream\\",\\"summary\\":\\"done with \${ANTHROPIC_API_KEY#key-}\\"}"
fi
export FAKE_AGENT_SCRIPT
exec "${process.execPath}" "${FAKE_AGENT}" "$@"
`,
);
chmodSync(CLAUDE, 0o755);

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

function limit(apiKey: string, resetAt: number | null): void {
  const file = path.join(limits, `limited-${apiKey}`);
  if (resetAt === null) rmSync(file, { force: true });
  else writeFileSync(file, String(resetAt));
}

interface Spawn {
  env: Map<string, string>;
  rawEnv: string;
  argv: string[];
}

/** Every start of the CLI so far, in order. */
function spawned(): Spawn[] {
  const count = readdirSync(spawns).filter((f) => f.startsWith("env-")).length;
  return Array.from({ length: count }, (_, i) => {
    const rawEnv = readFileSync(path.join(spawns, `env-${i}.txt`), "utf8");
    const env = new Map(
      rawEnv
        .split("\n")
        .filter((line) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(line))
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as [string, string]),
    );
    const argv = readFileSync(path.join(spawns, `argv-${i}.txt`), "utf8")
      .split("\n")
      .slice(0, -1);
    return { env, rawEnv, argv };
  });
}

async function setup() {
  rmSync(spawns, { recursive: true, force: true });
  dropBox(spawns);
  for (const f of readdirSync(limits)) rmSync(path.join(limits, f));
  const { fake } = await installedRepository(booted, { "README.md": "# Accounts\n" });
  const db = booted.database.db;
  const one = await addAccount(db, SECRET_KEY, { email: "one@example.com", provider: "claude", apiKey: "key-one", sortOrder: 0 });
  const two = await addAccount(db, SECRET_KEY, { email: "two@example.com", provider: "claude", apiKey: "key-two", sortOrder: 1 });
  return { fake, one, two };
}

async function taskFor(issueNumber: number) {
  const [task] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, issueNumber));
  return task!;
}

async function accountRow(id: string) {
  const [row] = await booted.database.db.select().from(accounts).where(eq(accounts.id, id));
  return row!;
}

/** Starts what is ready and waits for it: one round of the runner. */
async function runnerRound(): Promise<number> {
  const started = await booted.app.dispatcher.dispatchOnce();
  await booted.app.dispatcher.idle();
  return started;
}

describe("account rotation", () => {
  it("moves a task on to the next account when one hits its usage limit", async () => {
    const { fake, one, two } = await setup();
    const resetOne = inAnHour();
    limit("key-one", resetOne);
    const n = fake.openIssue({ title: "Rotate me", body: "Anything will do.", labels: ["cw:run"] });
    await fake.converge(booted.app.port, booted.settle);

    // First run: account one (first in sort order) is out of usage.
    expect(await runnerRound()).toBe(1);
    let task = await taskFor(n);
    expect(task).toMatchObject({ status: "pending", runAfter: null, attempt: 1, retryCount: 0 });
    expect(await accountRow(one.id)).toMatchObject({ isExhausted: true, exhaustedUntil: new Date(resetOne * 1000) });
    expect(await accountRow(two.id)).toMatchObject({ isExhausted: false, lastUsedAt: null });
    await fake.converge(booted.app.port, booted.settle);
    expect(statusOf(fake, n)).toEqual(["cw:ready"]);

    // Second run: account two, which finishes; its stream gave the summary, usage and cost.
    expect(await runnerRound()).toBe(1);
    task = await taskFor(n);
    expect(task).toMatchObject({ status: "completed", summary: "done with two", attempt: 2 });
    const runs = await booted.database.db.select().from(agents).where(eq(agents.taskId, task.id)).orderBy(agents.attempt);
    expect(runs.map((r) => [r.accountId, r.status])).toEqual([
      [one.id, "crashed"],
      [two.id, "idle"],
    ]);
    expect(runs[1]).toMatchObject({ costUsd: "0.0123", usage: { inputTokens: 1200, outputTokens: 345, costUsd: 0.0123 } });
    expect(await booted.app.dispatcher.drain()).toBe(0);

    await fake.converge(booted.app.port, booted.settle);
    expect(statusOf(fake, n)).toEqual(["cw:done"]);
    const report = fake.commentsOn(n).find((c) => c.body.includes("finished this task"));
    expect(report?.body).toContain("done with two");
    expect(report?.body).toContain("**Changes:** none.");
    expect(report?.body).toContain("**Usage:** 1,200 input tokens, 345 output tokens, $0.0123");
    expect(fake.commentsOn(n).some((c) => c.body.includes(commentMarker(ACCOUNTS_MARKER)))).toBe(false);

    // Each agent saw its own account's key and nothing else of the app's or the other account's.
    const [first, second] = spawned();
    expect(spawned()).toHaveLength(2);
    for (const [spawn, account, other] of [
      [first!, one, "key-two"],
      [second!, two, "key-one"],
    ] as const) {
      const own = account.id === one.id ? "key-one" : "key-two";
      expect(spawn.env.get("ANTHROPIC_API_KEY")).toBe(own);
      expect(spawn.rawEnv).not.toContain(other);
      // The agent's HOME is its task's and account's: its sessions are there, nobody else's.
      const home = path.join(workDir, "homes", homeKey(task.id, account.id));
      expect(spawn.env.get("HOME")).toBe(home);
      expect(spawn.env.get("CLAUDE_CONFIG_DIR")).toBe(path.join(home, ".claude"));
      for (const secret of ["PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET", "DATABASE_URL", "CW_SECRET_KEY", "GITHUB_TOKEN"]) {
        expect(spawn.env.has(secret), secret).toBe(false);
      }
      expect(spawn.rawEnv).not.toContain("leaked-through-agent-env");
      expect(spawn.rawEnv).not.toContain(SECRET_KEY.toString("hex"));
      expect(spawn.rawEnv).not.toContain(SECRET_KEY.toString("base64"));
      expect(spawn.env.get("CW_TASK_ID")).toBe(task.id);
      expect(spawn.env.get("CW_OUTPUT_DIR")).toMatch(/\/\.cw\/output$/);
      expect(spawn.argv.slice(0, 2)).toEqual(["-p", expect.any(String)]);
      expect(spawn.argv).toContain("stream-json");
    }
    // The first run is a fresh start; the second continues the task, but account one's session
    // lives in account one's config directory: account two cannot resume it.
    expect(first!.env.has("CW_RESUME")).toBe(false);
    expect(first!.argv).not.toContain("--resume");
    expect(second!.argv).not.toContain("--resume");
    expect(runs[0]!.sessionId).toBe("fake-session-1");
  });

  it("makes the task wait, saying so once, while every account is at its limit", async () => {
    const { fake, one, two } = await setup();
    const resetOne = inAnHour() + 600;
    const resetTwo = inAnHour();
    limit("key-one", resetOne);
    limit("key-two", resetTwo);
    const n = fake.openIssue({ title: "Wait for me", labels: ["cw:run"] });
    await fake.converge(booted.app.port, booted.settle);

    // Both accounts hit their limits, one after the other; then there is none to take.
    expect(await booted.app.dispatcher.drain()).toBe(3);
    expect(spawned()).toHaveLength(2);
    expect(spawned().map((s) => s.env.get("ANTHROPIC_API_KEY"))).toEqual(["key-one", "key-two"]);
    expect(await accountRow(one.id)).toMatchObject({ isExhausted: true, exhaustedUntil: new Date(resetOne * 1000) });
    expect(await accountRow(two.id)).toMatchObject({ isExhausted: true, exhaustedUntil: new Date(resetTwo * 1000) });
    let task = await taskFor(n);
    // It waits for the earliest reset.
    expect(task).toMatchObject({ status: "pending", retryCount: 0 });
    expect(task.runAfter).toEqual(new Date(resetTwo * 1000));

    // Nothing starts meanwhile, however often the runner looks.
    for (let i = 0; i < 3; i++) expect(await booted.app.dispatcher.drain()).toBe(0);
    expect(spawned()).toHaveLength(2);
    await fake.converge(booted.app.port, booted.settle);
    expect(statusOf(fake, n)).toEqual(["cw:ready"]);
    const notices = fake.commentsOn(n).filter((c) => c.body.includes(commentMarker(ACCOUNTS_MARKER)));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.body).toContain("Every claude account is at its usage limit");
    expect(notices[0]!.body).toContain(new Date(resetTwo * 1000).toISOString());

    // The reset time comes (the clock is moved, not waited for): account two takes the task.
    limit("key-two", null);
    const past = new Date(Date.now() - 1000);
    await booted.database.db.update(accounts).set({ exhaustedUntil: past }).where(eq(accounts.id, two.id));
    await booted.database.db.update(tasks).set({ runAfter: past }).where(eq(tasks.id, task.id));
    expect(await booted.app.dispatcher.drain()).toBe(1);
    task = await taskFor(n);
    expect(task).toMatchObject({ status: "completed", summary: "done with two" });
    expect(spawned().map((s) => s.env.get("ANTHROPIC_API_KEY"))).toEqual(["key-one", "key-two", "key-two"]);
    expect(await accountRow(one.id)).toMatchObject({ isExhausted: true });
    await fake.converge(booted.app.port, booted.settle);
    expect(statusOf(fake, n)).toEqual(["cw:done"]);
    expect(fake.commentsOn(n).filter((c) => c.body.includes(commentMarker(ACCOUNTS_MARKER)))).toHaveLength(1);
  });
});
