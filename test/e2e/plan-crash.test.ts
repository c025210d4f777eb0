/**
 * A 40-issue plan whose applying stops halfway: the first process is paced (GitHub's limits,
 * here a frozen minute), one of its creations lands with the answer lost, and it stops; a new
 * process on the same database finishes the change set. Exactly 40 issues in the end, each once.
 * Meanwhile `/cw revert` is told the change set is still being applied.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { bootApp, type RunningApp } from "../../src/boot.js";
import { changeSets, outbox, tasks } from "../../src/db/schema.js";
import { WritePacer } from "../../src/github/write-pacer.js";
import { useBootedApp } from "../support/boot.js";
import { testConfig, testLog } from "../support/github-app.js";
import { installedRepository } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";
import { agentScratch } from "../support/scratch.js";
import { planBody } from "../support/plan-scripts.js";

const FAKE_AGENT = fileURLToPath(new URL("../support/fake-agent.mjs", import.meta.url));
const scratch = agentScratch("cw-plan-crash-");
const appConfig = () => ({ workDir: path.join(scratch, "work"), agent: "command" as const, agentCommand: `exec node "${FAKE_AGENT}"`, maxAgents: 2 });
const runner = { maxRetries: 0, timeoutSeconds: 20, idleSeconds: 10, heartbeatMs: 200 };

useStrictNock();
const booted = useBootedApp(appConfig, runner);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const CREATE = "POST /repos/{owner}/{repo}/issues";

async function settle(app: RunningApp): Promise<void> {
  for (let round = 0; round < 40; round++) {
    const handled = (await app.processor.drain()) + (await app.reconcile.drain()) + (await app.outbox.drain());
    if (handled === 0) return;
  }
}

describe("a change set applied across a crash", () => {
  it("a 40-issue plan stopped halfway is finished by the next process: exactly 40 issues", { timeout: 90_000 }, async () => {
    const { fake } = await installedRepository(booted, { "README.md": "# Big\n" });
    const m = fake.createMilestone({ title: "Big plan" });
    const plan = {
      phases: [
        { key: "p1", title: "Phase one" },
        { key: "p2", title: "Phase two", dependsOn: ["p1"] },
      ],
      tasks: Array.from({ length: 38 }, (_, i) => ({ key: `t${i}`, phase: i < 19 ? "p1" : "p2", title: `Task ${i}`, body: `Step ${i}.` })),
    };
    const planIssue = fake.openIssue({ title: "Plan it all", milestone: m, labels: ["cw:plan", "cw:run"], body: planBody(plan, "Plan.") });

    // The first process: 30 writes a minute, and the minute does not pass.
    const frozen = Date.now();
    const first = await bootApp({
      config: testConfig(appConfig()),
      log: testLog,
      database: booted.database,
      startWorkers: false,
      runner,
      writePacer: new WritePacer(30, () => frozen),
    });
    try {
      await fake.converge(first.port, () => settle(first));
      await first.dispatcher.drain();
      // The first creation lands, but its answer is lost.
      fake.failNext(CREATE, { status: 502, applied: true });
      await fake.converge(first.port, () => settle(first));
      const [cs] = await booted.database.db.select().from(changeSets);
      expect(cs!.status).toBe("applying");
      const createdSoFar = fake.requests.filter((r) => r.route === CREATE).length;
      expect(createdSoFar).toBeGreaterThan(0);
      expect(createdSoFar).toBeLessThan(40);
      fake.comment(planIssue, `/cw revert ${cs!.id}`);
      await fake.converge(first.port, () => settle(first));
    } finally {
      await first.stop();
    }

    // The next process, after the minute: it finishes what is left, and finds the lost one by its marker.
    await booted.database.db
      .update(outbox)
      .set({ runAfter: new Date(0) })
      .where(eq(outbox.status, "pending"));
    for (let i = 0; i < 10; i++) await fake.converge(booted.app.port, booted.settle);
    const [cs] = await booted.database.db.select().from(changeSets);
    expect(cs!.status).toBe("applied");
    const created = [...fake.repositories[0]!.issues.values()].filter((i) => i.number !== planIssue);
    expect(created).toHaveLength(40);
    expect(new Set(created.map((i) => i.title)).size).toBe(40);
    const rows = await booted.database.db.select().from(tasks).where(eq(tasks.initiativeId, cs!.initiativeId));
    expect(rows.filter((t) => t.issueNumber !== planIssue)).toHaveLength(38);
    expect(created.filter((i) => i.title.startsWith("Task ")).every((i) => i.parent !== null)).toBe(true);
    expect(fake.commentsOn(planIssue).some((c) => c.body.includes("is still being applied"))).toBe(true);
  });
});
