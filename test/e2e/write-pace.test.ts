/**
 * `CW_GITHUB_WRITES_PER_MINUTE` / `_PER_HOUR` set the pace of the app's outbox (github.com's
 * secondary limits by default; a GitHub Enterprise Server has its own). Here the app is booted
 * with its own pacer, made from the config, at three writes a minute: installing it asks for
 * more writes than that (its labels, one outbox row), and only three go out. Every write counts,
 * not every row: the row waits, and when it is tried again it makes only what is missing.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { bootApp, type RunningApp } from "../../src/boot.js";
import { outbox } from "../../src/db/schema.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { FakeGitHub } from "../support/fake-github/index.js";
import { testConfig, testLog } from "../support/github-app.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();

let database: TestDatabase;
let app: RunningApp;
beforeAll(async () => {
  database = await createTestDatabase();
  app = await bootApp({ config: testConfig({ githubWrites: { perMinute: 3, perHour: 100 } }), log: testLog, database, startWorkers: false });
});
afterAll(async () => {
  await app?.stop();
  await database?.close();
});

describe("the outbox's pace, from the environment", () => {
  it("sends no more writes a minute than CW_GITHUB_WRITES_PER_MINUTE; the rest wait, recorded", async () => {
    const fake = new FakeGitHub();
    fake.install();
    await fake.converge(app.port, async () => {
      await app.processor.drain();
      await app.reconcile.drain();
      await app.outbox.drain();
    });
    const labelsMade = () => fake.requests.filter((r) => r.kind === "write").map((r) => `${r.route} ${(r.body as { name: string }).name}`);
    expect(labelsMade()).toHaveLength(3);
    expect(labelsMade().every((w) => w.startsWith("POST /repos/{owner}/{repo}/labels cw:"))).toBe(true);
    const [waiting] = await database.db.select().from(outbox).where(eq(outbox.status, "pending"));
    // Part done: an attempt, so that the next one is a retry (which looks before it makes).
    expect(waiting).toMatchObject({ operation: "ensure-labels", attempts: 1, lastError: expect.stringContaining("paced") });
    expect(waiting!.runAfter.getTime()).toBeGreaterThan(Date.now()); // until the minute has passed

    // Tried again within the minute: nothing more goes, and held back before any write, no attempt is counted.
    const dueNow = () =>
      database.db
        .update(outbox)
        .set({ runAfter: new Date(0) })
        .where(eq(outbox.status, "pending"));
    await dueNow();
    await app.outbox.drain();
    expect(labelsMade()).toHaveLength(3);
    expect((await database.db.select().from(outbox).where(eq(outbox.status, "pending")))[0]).toMatchObject({ attempts: 1 });
    // A minute later: three more, none of them made again.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 61_000);
      await dueNow();
      await app.outbox.drain();
    } finally {
      vi.useRealTimers();
    }
    expect(labelsMade()).toHaveLength(6);
    expect(new Set(labelsMade()).size).toBe(6);
    const [still] = await database.db.select().from(outbox).where(eq(outbox.status, "pending"));
    expect(still).toMatchObject({ operation: "ensure-labels", attempts: 2 });
  });
});
