/**
 * Watching agents: each task's own check run, refreshed while its agent prints (at most once
 * per refresh interval, counted against the span in which the refreshes were made), redacted,
 * with long lines cut; `/cw log` for writers only; tokens and cost in `/cw status`; the Mermaid
 * graph in the phase PR's body. The `claude` adapter runs the fake agent, so usage is reported.
 */
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { agentLogChunks, agents, tasks } from "../../src/db/schema.js";
import { commentMarker } from "../../src/core/intents.js";
import { taskCheckRunName } from "../../src/core/task-check-run.js";
import { FAKE_AGENT, useFakeAgentApp } from "../support/fake-agent-app.js";
import type { FakeGitHub } from "../support/fake-github/index.js";
import { convergeUntil, fakeAgentScript, installedRepository, runUntilQuiet } from "../support/flows.js";
import { FULL_NAME, READER, WRITER } from "../support/payloads.js";
import { runLogsCli } from "../../src/runner/logs-cli.js";
import { registry } from "../../src/server/metrics.js";
import { useStrictNock } from "../support/strict-nock.js";
import { dropBox } from "../support/scratch.js";

const REFRESH_MS = 400;
useStrictNock();
const { booted, scratch } = useFakeAgentApp("cw-watching-e2e-", {
  config: { agent: "claude", agentCommand: undefined, maxAgents: 1 },
  runner: () => ({ timeoutSeconds: 30, idleSeconds: 20, agentEnv: { CW_CLAUDE_BIN: CLAUDE }, checkRunRefreshMs: REFRESH_MS }),
});
const barriers = dropBox(path.join(scratch, "barriers"));
const CLAUDE = path.join(scratch, "claude");
writeFileSync(CLAUDE, `#!/bin/sh\nexec "${process.execPath}" "${FAKE_AGENT}" "$@"\n`);
chmodSync(CLAUDE, 0o755);
// The registry is the process's, as prom-client's is: other test files in this worker count too.
beforeEach(() => registry.resetMetrics());

const TOKEN = "ghs_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2";
const KEY_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + "secretkeymaterial0123456789";
const PEM = ["-----BEGIN PRIVATE KEY-----", KEY_BODY, "-----END PRIVATE KEY-----"];

const until = convergeUntil;

/** The writes of one check run, in order: its create, then its updates. */
function writesOf(fake: FakeGitHub, name: string) {
  const ids = new Set(
    fake
      .checkRuns()
      .filter((c) => c.name === name)
      .map((c) => c.id),
  );
  return fake.requests
    .filter((r) => r.route.includes("/check-runs") && r.method !== "GET" && r.status < 300)
    .filter((r) => (r.method === "POST" ? (r.body as { name: string }).name === name : ids.has(Number(r.path.split("/").pop()))))
    .map((r) => r.body as { status?: string; conclusion?: string; output?: { title: string; summary: string; text?: string } });
}

function replyOn(fake: FakeGitHub, issue: number, marker: string): string | undefined {
  return fake.commentsOn(issue).find((c) => c.body.includes(commentMarker(marker)))?.body;
}

describe("watching agents", () => {
  it("a task's check run follows its agent's log, redacted and cut; /cw log, /cw status and the phase PR show the rest", { timeout: 90_000 }, async () => {
    const { fake } = await installedRepository(booted, { "README.md": "# Shop\n" });
    const m = fake.createMilestone({ title: "Checkout" });
    const phase = fake.openIssue({ title: "Cart", milestone: m, labels: ["cw:phase"] });
    const go = path.join(barriers, "go");
    const t1 = fake.openIssue({
      title: "Cart model",
      milestone: m,
      body: fakeAgentScript({
        steps: [
          { behavior: "print", lines: ["stage one", `token ${TOKEN}`, ...PEM, "x".repeat(70_000)] },
          { behavior: "wait-file", path: go, timeoutMs: 20_000 },
          { behavior: "print", lines: ["stage two"] },
          { behavior: "ticks", count: 20, ms: 100 },
          { behavior: "claude-stream", files: { "cart.txt": "cart\n" }, summary: "Cart model added." },
        ],
      }),
    });
    fake.addSubIssue(phase, t1);
    // A title that tries to break out of its Mermaid label.
    const evil = 'View"] --> x\nclick t0 "https://evil.example" ```';
    const t2 = fake.openIssue({
      title: evil,
      milestone: m,
      body: `Depends on #${t1}${fakeAgentScript({ behavior: "claude-stream", files: { "view.txt": "view\n" }, summary: "View added." })}`,
    });
    fake.addSubIssue(phase, t2);
    for (const n of [t1, t2]) fake.addLabels(n, ["cw:run"], WRITER);
    await fake.converge(booted.app.port, booted.settle);

    const name = taskCheckRunName(t1, "Cart model");
    const running = booted.app.dispatcher.drain();
    // While it works: in progress, the first lines shown, secrets redacted, the long line cut.
    await until(booted, fake, "the first lines on the check run", () =>
      fake.checkRuns().some((c) => c.name === name && c.status === "in_progress" && (c.output.text ?? "").includes("stage one")),
    );
    const first = fake.checkRuns().find((c) => c.name === name)!;
    expect(first.output.title).toMatch(/^Agent .+ at work$/);
    expect(first.output.summary).toMatch(/at work for \d+ s/);
    // From here the agent prints its ticks; every refresh is written as it comes (converging
    // until the run ends), and all of them fall between now and the run's end.
    const ticksFrom = Date.now();
    writeFileSync(go, "");
    await until(booted, fake, "the later lines on the check run", () =>
      fake.checkRuns().some((c) => c.name === name && (c.output.text ?? "").includes("stage two")),
    );
    let ran = false;
    const ended = running.finally(() => {
      ran = true;
    });
    await until(booted, fake, "the run's end", () => ran, 60_000);
    await ended;
    const ticksUntil = Date.now();
    await runUntilQuiet(booted, fake);

    // Every text it ever showed is redacted; none is over GitHub's limit.
    const writes = writesOf(fake, name);
    for (const w of writes) {
      const shown = JSON.stringify(w);
      expect(shown).not.toContain(TOKEN);
      expect(shown).not.toContain(KEY_BODY);
      expect(w.output!.text?.length ?? 0).toBeLessThanOrEqual(65_535);
    }
    expect(writes.some((w) => (w.output?.text ?? "").includes("[redacted]"))).toBe(true);

    // At most one refresh per interval while it printed. Each refresh showing ticks is a distinct
    // publication of the tail, made between the go and the run's end, and publications are at
    // least an interval apart (less the millisecond a timer may fire early): however slow the
    // machine, no more than that span allows. Unthrottled, each tick would be one.
    const [agent] = await booted.database.db
      .select()
      .from(agents)
      .where(eq(agents.taskId, (await taskId(t1))!));
    const chunks = await booted.database.db.select().from(agentLogChunks).where(eq(agentLogChunks.agentId, agent!.id)).orderBy(agentLogChunks.seq);
    const lines = chunks.flatMap((c) => c.content.split("\n"));
    expect(lines.filter((l) => /^tick \d+ at \d+$/.test(l))).toHaveLength(20);
    const refreshes = new Set(
      writes.filter((w) => w.status !== "completed" && !w.conclusion && (w.output?.text ?? "").includes("tick")).map((w) => w.output!.text),
    );
    expect(refreshes.size).toBeLessThanOrEqual(Math.floor((ticksUntil - ticksFrom) / (REFRESH_MS - 1)) + 1);
    // The 70,000-character line was stored cut at 64 KB, with a note.
    const long = lines.find((l) => l.startsWith("xxxx"))!;
    expect(long.length).toBeLessThan(66_000);
    expect(long).toContain("line cut: ");
    expect(lines.join("\n")).not.toContain(TOKEN);

    // The end: the phase PR's head carries each task's check run, done, with changes and usage.
    const [pr] = fake.pulls();
    const done = fake.checkRuns(pr!.head.sha).find((c) => c.name === name)!;
    expect(done).toMatchObject({ status: "completed", conclusion: "success" });
    expect(done.output.title).toBe("Done");
    expect(done.output.summary).toContain("Cart model added.");
    expect(done.output.summary).toContain("**Changes:** 1 file, +1 −0");
    expect(done.output.summary).toContain("**Usage:** 1 run, 1,200 input + 345 output tokens, $0.0123");
    // No commit keeps a check run of this task in progress.
    expect(fake.checkRuns().filter((c) => c.name === name && c.status !== "completed")).toEqual([]);
    // The phase's own check run sums its tasks.
    const phaseRun = fake.checkRuns(pr!.head.sha).find((c) => c.name === "Codewalkers")!;
    expect(phaseRun.output.summary).toContain("**Usage:** 2 runs, 2,400 input + 690 output tokens, $0.0246");

    // The phase PR's body: a Mermaid graph, the dependency an edge, the hostile title inert.
    const body = fake.pull(pr!.number)!.body ?? "";
    const graph = /```mermaid\n([\s\S]*?)\n```/.exec(body)?.[1] ?? "";
    expect(graph).toContain("flowchart LR");
    expect(graph).toContain("t0 --> t1");
    expect(graph).toMatch(/classDef (done|review) /);
    expect(graph).not.toContain('evil.example"');
    expect(graph).not.toContain("```");
    expect(graph.split("\n").filter((l) => l.includes("click"))).toEqual([expect.stringMatching(/^\s+t1\["/)]);
    expect(body).toContain("**Usage:** 2 runs");

    // /cw log: a writer gets the last lines, redacted, collapsed; a reader gets the refusal only.
    fake.comment(t1, "/cw log", WRITER);
    fake.comment(t1, "/cw log", READER);
    await fake.converge(booted.app.port, booted.settle);
    const reply = replyOn(fake, t1, "reply")!;
    expect(reply).toMatch(/<details><summary>The last \d+ lines of agent/);
    expect(reply).toContain("tick 20 at");
    expect(reply).not.toContain(TOKEN);
    expect(reply).not.toContain(KEY_BODY);
    const refusal = replyOn(fake, t1, `refusal:${READER.login}`)!;
    expect(refusal).toBeDefined();
    expect(refusal).not.toContain("tick");

    // /cw status: the task's tokens and cost.
    fake.comment(t1, "/cw status", WRITER);
    await fake.converge(booted.app.port, booted.settle);
    expect(replyOn(fake, t1, "reply")).toContain("**Usage:** 1 run, 1,200 input + 345 output tokens, $0.0123");
    expect(existsSync(go)).toBe(true);

    // `codewalkers logs`: the whole log on the host, by issue or by agent name.
    const printed: string[] = [];
    const io = { db: booted.database.db, out: (l: string) => printed.push(l), err: () => {} };
    expect(await runLogsCli([String(t1)], io)).toBe(0);
    expect(printed).toEqual(lines);
    expect(printed[0]).toBe("stage one");
    printed.length = 0;
    expect(await runLogsCli([agent!.name, "--repo", FULL_NAME], io)).toBe(0);
    expect(printed).toHaveLength(lines.length);
    expect(await runLogsCli([String(t1), "--repo", "someone/else"], io)).toBe(1);
    expect(await runLogsCli(["no-such-agent"], io)).toBe(1);
    expect(await runLogsCli([], io)).toBe(2);

    // /metrics after the runs: the counters moved, the database gauges read.
    const res = await fetch(`http://127.0.0.1:${booted.app.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const metrics = await res.text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}()[\].+*?^$|\\]/g, "\\$&")} (\\S+)$`, "m").exec(metrics)?.[1] ?? NaN);
    expect(value('codewalkers_deliveries_total{outcome="stored"}')).toBeGreaterThan(0);
    expect(value('codewalkers_deliveries_total{outcome="processed"}')).toBeGreaterThan(0);
    // In one transaction on PostgreSQL, one delivery at a time on PGlite.
    expect(metrics).toMatch(/^codewalkers_delivery_batches_total\{path="one-(transaction|by-one)"\} [1-9]/m);
    expect(value('codewalkers_github_requests_total{status="201"}')).toBeGreaterThan(0);
    expect(value('codewalkers_task_run_duration_seconds_count{outcome="completed"}')).toBe(2);
    expect(value('codewalkers_agents_running{adapter="claude"}')).toBe(0);
    expect(value("codewalkers_outbox_depth")).toBe(0);
    expect(value("codewalkers_accounts_exhausted")).toBe(0);
    expect(metrics).toMatch(/^codewalkers_processing_lag_seconds \d/m);
  });
});

async function taskId(issueNumber: number): Promise<string | undefined> {
  const [row] = await booted.database.db.select({ id: tasks.id }).from(tasks).where(eq(tasks.issueNumber, issueNumber));
  return row?.id;
}
