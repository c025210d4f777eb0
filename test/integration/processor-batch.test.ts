/**
 * The processor hands a repository's queued deliveries to the handlers as one batch and owes
 * the repository one reconcile, after the batch. Here the "handlers" are a stand-in Probot whose
 * receive() runs a command that ends in reconcileTasks, as every real handler does.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import type { Probot } from "probot";
import { issueLinks, outbox, projects, tasks, webhookDeliveries } from "../../src/db/schema.js";
import { afterBatchReconcile } from "../../src/core/commands/deferred-reconcile.js";
import { projectTransaction } from "../../src/core/commands/project-transaction.js";
import { reconcileTasks } from "../../src/core/commands/reconcile-tasks.js";
import { storeDelivery } from "../../src/intake/store-delivery.js";
import { createProcessor } from "../../src/intake/processor.js";
import { createLogger } from "../../src/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

let database: TestDatabase;
let projectId: string;
beforeAll(async () => {
  database = await createTestDatabase();
});
beforeEach(async () => {
  await database.truncateAll();
  const [project] = await database.db
    .insert(projects)
    .values({ name: "octo/app", url: "https://github.com/octo/app.git", owner: "octo", repo: "app", installationId: 5, repositoryId: 77 })
    .returning();
  projectId = project!.id;
  // Issue #2 waits on #1, which is open: once reconciled, its task is blocked.
  await database.db.insert(tasks).values({ projectId, issueNumber: 2, name: "Second", status: "pending" });
  await database.db
    .insert(issueLinks)
    .values({ projectId, kind: "blocked_by", source: "body", fromNumber: 2, toRepo: "octo/app", toNumber: 1, toState: "open", verified: true });
});
afterAll(async () => database.close());

const store = (deliveryId: string) =>
  storeDelivery(database.db, {
    deliveryId,
    event: "issues",
    payload: { action: "edited", repository: { id: 77 }, installation: { id: 5 } },
    handled: true,
  });

const taskStatus = async () => (await database.db.select({ status: tasks.status }).from(tasks).where(eq(tasks.issueNumber, 2)))[0]!.status;

/** A stand-in for the Probot app: each delivery runs a command for `projectOf(id)`, or throws. */
function fakeProbot(handle: (id: string) => Promise<void>): Probot {
  return { receive: async (event: { id: string }) => handle(event.id) } as unknown as Probot;
}

describe("the processor's batches", () => {
  it("reconciles a repository once, after its batch, and only then marks the batch done; a failing delivery is retried on its own", async () => {
    for (const id of ["d1", "bad", "d2"]) await store(id);
    const seenDuring: string[] = [];
    const processor = createProcessor({
      database,
      log: createLogger("silent"),
      probot: fakeProbot(async (id) => {
        if (id === "bad") throw new Error("GitHub said no");
        await projectTransaction(database.db, projectId, (tx) => reconcileTasks(tx, projectId));
        seenDuring.push(`${id}:${await taskStatus()}`);
      }),
    });

    expect(await processor.drain()).toBe(1); // one batch
    // The commands ran (and committed) without reconciling; the batch's reconcile did.
    expect(seenDuring).toEqual(["d1:pending", "d2:pending"]);
    expect(await taskStatus()).toBe("blocked");
    const label = await database.db.select().from(outbox);
    expect(label.map((r) => [r.operation, (r.payload as { label: string }).label])).toEqual([["set-status-label", "cw:blocked"]]);

    const rows = await database.db.select().from(webhookDeliveries).orderBy(asc(webhookDeliveries.seq));
    expect(rows.map((r) => [r.deliveryId, r.status, r.attempts])).toEqual([
      ["d1", "done", 1],
      ["bad", "pending", 1],
      ["d2", "done", 1],
    ]);
    expect(rows[1]!.error).toContain("GitHub said no");
  });

  it("when the batch's reconcile fails, none of its deliveries counts as done: they are handled again later", async () => {
    for (const id of ["d1", "d2"]) await store(id);
    await database.db.delete(projects).where(eq(projects.id, projectId)); // the reconcile cannot load it
    const processor = createProcessor({
      database,
      log: createLogger("silent"),
      probot: fakeProbot(async () => {
        await projectTransaction(database.db, projectId, (tx) => reconcileTasks(tx, projectId));
      }),
    });
    await processor.drain();
    const rows = await database.db.select().from(webhookDeliveries).orderBy(asc(webhookDeliveries.seq));
    expect(rows.map((r) => [r.deliveryId, r.status])).toEqual([
      ["d1", "pending"],
      ["d2", "pending"],
    ]);
    expect(rows.every((r) => r.error?.includes("reconcile after the batch failed"))).toBe(true);
  });

  it("runs the replies that report state after the batch's reconcile; a failing one fails only its own delivery", async () => {
    for (const id of ["label", "status", "broken-status"]) await store(id);
    const reported: string[] = [];
    const processor = createProcessor({
      database,
      log: createLogger("silent"),
      probot: fakeProbot(async (id) => {
        if (id === "label") return projectTransaction(database.db, projectId, (tx) => reconcileTasks(tx, projectId));
        const queued = afterBatchReconcile(async () => {
          if (id === "broken-status") throw new Error("could not reply");
          reported.push(await taskStatus());
        });
        expect(queued).toBe(true);
      }),
    });
    await processor.drain();
    expect(reported).toEqual(["blocked"]);
    const rows = await database.db.select().from(webhookDeliveries).orderBy(asc(webhookDeliveries.seq));
    expect(rows.map((r) => [r.deliveryId, r.status])).toEqual([
      ["label", "done"],
      ["status", "done"],
      ["broken-status", "pending"],
    ]);
    expect(rows[2]!.error).toContain("could not reply");
    expect(afterBatchReconcile(async () => {})).toBe(false); // outside a batch the caller runs it
  });

  it("outside a batch nothing is deferred: a command reconciles before it commits", async () => {
    await projectTransaction(database.db, projectId, (tx) => reconcileTasks(tx, projectId));
    expect(await taskStatus()).toBe("blocked");
  });
});
