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
import { waitFor } from "../support/processes.js";

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

/** A second app joins while another is alive: the claims left are not taken back (they may be the other's). */
async function joinFindingNothingToTakeBack(): Promise<void> {
  const leave = await database.joinApps(expireDeadClaims);
  try {
    expect(await claimOutboxRow(database)).toBeUndefined();
    expect(await claimDeliveries(database)).toEqual([]);
  } finally {
    await leave();
  }
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
    try {
      await joinFindingNothingToTakeBack();
    } finally {
      await leaveOther();
    }
  });
});

describe("an app whose connection to the database dropped", () => {
  /** App processes counted alive now (on PostgreSQL: the shared locks held; on PGlite the count is in memory). */
  const aliveLocks = async () =>
    (
      await database.rows<{ pid: number }>(
        `select pid from pg_locks where locktype = 'advisory' and granted and classid = 0 and objid = ${0x6377616c} and objsubid = 1
           and database = (select oid from pg_database where datname = current_database())`,
      )
    ).map((r) => r.pid);

  it("counts itself in again, so a second app does not take its claims for a dead one's", async () => {
    await leftByADeadProcess();
    const leaveFirst = await database.joinApps(async () => {});
    try {
      if (database.driver === "postgres") {
        // A server restart or a network cut ends the connection that held the first app's lock.
        const [holder] = await aliveLocks();
        expect(holder).toBeDefined();
        await database.rows(`select pg_terminate_backend($1)`, [holder]);
        await waitFor(async () => (await aliveLocks()).some((pid) => pid !== holder), 20_000);
      }
      await joinFindingNothingToTakeBack();
    } finally {
      await leaveFirst();
    }
  });
});
