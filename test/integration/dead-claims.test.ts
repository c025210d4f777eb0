/**
 * A restart after a crash takes back at once what the dead process had claimed (the outbox write
 * in flight, the deliveries being handled), instead of waiting minutes for the claims to expire;
 * but never what an app process still alive on the same database holds.
 * (test/e2e/plan-kill.test.ts is the crash itself, with kill -9.)
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { expireDeadClaims } from "../../src/db/dead-claims.js";
import { outbox } from "../../src/db/schema.js";
import { claimOutboxRow } from "../../src/github/outbox-queue.js";
import { claimDeliveries } from "../../src/intake/delivery-queue.js";
import { storeDelivery } from "../../src/intake/store-delivery.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
beforeEach(async () => database.truncateAll());
afterAll(async () => database.close());

/** What a process killed mid-work leaves: one write in flight, one delivery being handled. */
async function leftByADeadProcess(): Promise<void> {
  await database.db.insert(outbox).values({
    targetKey: "issue:1",
    operation: "create-planned-issue",
    payload: {},
    status: "processing",
    attempts: 1,
    lockedUntil: sql`now() + interval '2 minutes'`,
  });
  await storeDelivery(database.db, { deliveryId: "d-1", event: "issues", payload: { action: "opened", repository: { id: 7 } }, handled: true });
  expect(await claimDeliveries(database)).toHaveLength(1);
}

describe("claims a dead app process left", () => {
  it("are taken again at once by the next app, with their attempt counted", async () => {
    await leftByADeadProcess();
    const leave = await database.joinApps(expireDeadClaims);
    try {
      expect(await claimOutboxRow(database)).toMatchObject({ targetKey: "issue:1", attempts: 2 });
      expect(await claimDeliveries(database)).toMatchObject([{ deliveryId: "d-1", attempts: 2 }]);
    } finally {
      await leave();
    }
  });

  it("are left alone while another app process is alive: they may be its own", async () => {
    await leftByADeadProcess();
    const leaveOther = await database.joinApps(async () => {});
    const leave = await database.joinApps(expireDeadClaims);
    try {
      expect(await claimOutboxRow(database)).toBeUndefined();
      expect(await claimDeliveries(database)).toEqual([]);
    } finally {
      await leave();
      await leaveOther();
    }
  });
});
