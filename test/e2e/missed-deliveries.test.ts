/**
 * GitHub is the source of truth: what it could not deliver while no app was listening is learned
 * from it again. The fake GitHub keeps its deliveries API (GET /app/hook/deliveries: every
 * attempt, a refused connection as status 0; POST …/attempts: a redelivery under the same guid).
 * A writer labels an issue while the app is down; at its next start (`catchUp`) the app finds
 * the failed delivery, asks for it once, and the task starts as if nothing had happened.
 */
import { describe, expect, it } from "vitest";
import { tasks } from "../../src/db/schema.js";
import { useBootedApp } from "../support/boot.js";
import { installedRepository, statusOf } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";
import { WRITER } from "../support/payloads.js";

useStrictNock();
const booted = useBootedApp();

describe("deliveries GitHub could not make while the app was down", () => {
  it("are asked for again at the next start, once, and the work goes on", async () => {
    const { fake } = await installedRepository(booted);
    const n = fake.openIssue({ title: "Add a greeting" }, WRITER);
    await fake.converge(booted.app.port, booted.settle);

    // The app is down: the writer's label reaches nobody (GitHub logs "failed to connect").
    fake.addLabels(n, ["cw:run"], WRITER);
    await expect(fake.deliver(1)).rejects.toThrow(); // port 1: nothing listens there
    const failed = fake.hookDeliveries.at(-1)!;
    expect(failed).toMatchObject({ status_code: 0, event: "issues", action: "labeled" });
    expect(await booted.database.db.select().from(tasks)).toEqual([]);

    // It starts again: it asks GitHub for what failed since the newest delivery it holds.
    expect(await booted.app.deliveryRecovery.catchUp()).toBe(1);
    const redelivered = fake.pendingWebhooks.filter((w) => w.deliveryId === failed.guid);
    expect(redelivered).toHaveLength(1);
    await fake.converge(booted.app.port, booted.settle);
    expect(statusOf(fake, n)).toEqual(["cw:ready"]);

    // Asked once: the redelivery landed, so a later start asks for nothing.
    expect(await booted.app.deliveryRecovery.catchUp()).toBe(0);
    expect(fake.hookDeliveries.filter((d) => d.guid === failed.guid).map((d) => [d.status_code, d.redelivery])).toEqual([
      [0, false],
      [202, true],
    ]);
  });
});
