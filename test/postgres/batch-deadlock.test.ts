/**
 * A real deadlock between a batch's one transaction (intake/one-transaction.ts) and another
 * transaction on the same database: the batch holds the project's lock and waits for a task's
 * row, while the other holds that row and waits for the project's lock. PostgreSQL ends one of
 * them (40P01); whichever it is, every delivery ends done with what it changed — the batch by
 * falling back to one delivery at a time, or by going on once the other is ended.
 * PostgreSQL only (test/postgres/): the app runs batches in one transaction there alone.
 */
import { eq, ne } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { lockProject } from "../../src/core/commands/project-transaction.js";
import { openDatabase } from "../../src/db/client.js";
import { tasks, webhookDeliveries } from "../../src/db/schema.js";
import { deliveryBatchesTotal } from "../../src/server/metrics.js";
import { useBootedApp } from "../support/boot.js";
import { FakeGitHub } from "../support/fake-github/index.js";
import { install } from "../support/flows.js";
import { WRITER } from "../support/payloads.js";
import { waitFor } from "../support/processes.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const booted = useBootedApp();

async function batches(): Promise<Record<string, number>> {
  const { values } = await deliveryBatchesTotal.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.path), v.value]));
}

/** The PostgreSQL error code of a failure, through drizzle's wrapping. */
function codeOf(error: unknown): string {
  const e = error as { code?: string; cause?: { code?: string } };
  return e.cause?.code ?? e.code ?? String(error);
}

describe("a batch's transaction in a real deadlock", () => {
  it("PostgreSQL ends one side; every delivery is done with what it changed", async () => {
    const fake = new FakeGitHub();
    await install(booted, fake);
    const n = fake.openIssue({ title: "Task", labels: ["cw:run"] }, WRITER);
    await fake.converge(booted.app.port, booted.settle);
    const db = booted.database.db;
    const [task] = await db.select({ id: tasks.id, projectId: tasks.projectId }).from(tasks);
    expect(task).toBeDefined();
    fake.addLabels(n, ["cw:priority:high"], WRITER);
    await fake.deliver(booted.app.port);

    // The other side: another connection takes the task's row, then (once the batch waits for
    // that row while holding the project's lock) asks for the project's lock.
    const other = await openDatabase({ databaseUrl: booted.database.url, maxConnections: 1 });
    const waiting = async () =>
      (
        await booted.database.rows<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
        )
      )[0]!.n;
    let rowHeld!: () => void;
    const rowTaken = new Promise<void>((resolve) => {
      rowHeld = resolve;
    });
    const before = await batches();
    try {
      const otherSide = other.db
        .transaction(async (tx) => {
          await tx.update(tasks).set({ updatedAt: new Date() }).where(eq(tasks.id, task!.id));
          rowHeld();
          await waitFor(async () => (await waiting()) >= 1);
          await lockProject(tx, task!.projectId!);
          return "committed";
        })
        .catch(codeOf);
      await rowTaken;
      const drained = booted.app.processor.drain();
      const [otherOutcome] = await Promise.all([otherSide, drained]);

      const after = await batches();
      const delta = (path: string) => (after[path] ?? 0) - (before[path] ?? 0);
      // Exactly one side was ended by PostgreSQL's deadlock detection: the batch, which waited
      // first (it was then handled one delivery at a time), or else the other side.
      if (otherOutcome === "committed") expect([delta("one-transaction"), delta("one-by-one")]).toEqual([0, 1]);
      else expect([otherOutcome, delta("one-transaction"), delta("one-by-one")]).toEqual(["40P01", 1, 0]);
      const notDone = await db.select().from(webhookDeliveries).where(ne(webhookDeliveries.status, "done"));
      expect(notDone).toEqual([]);
      const [row] = await db.select({ priority: tasks.priority }).from(tasks).where(eq(tasks.id, task!.id));
      expect(row!.priority).toBe("high");
    } finally {
      await other.close();
    }
  });
});
