import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { webhookDeliveries } from "../../src/db/schema.js";
import { storeDelivery } from "../../src/intake/store-delivery.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
beforeEach(async () => database.truncateAll());
afterAll(async () => database.close());

const delivery = (id: string, handled = true) => ({
  deliveryId: id,
  event: "issues",
  payload: { action: "opened", repository: { id: 7 }, installation: { id: 9 } },
  handled,
});

describe("storing deliveries (group commit)", () => {
  it("stores a burst of concurrent deliveries, each exactly once, answering each caller", async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `d-${i}`);
    const results = await Promise.all(ids.map((id) => storeDelivery(database.db, delivery(id))));
    expect(results.every(Boolean)).toBe(true);
    const rows = await database.db.select().from(webhookDeliveries);
    expect(rows.map((r) => r.deliveryId).sort()).toEqual([...ids].sort());
    expect(rows[0]).toMatchObject({ event: "issues", action: "opened", queueKey: "repo:7", installationId: 9, status: "pending" });
    expect(rows[0]!.payload).toEqual(delivery("x").payload);
  });

  it("a redelivery racing its original in the same batch is stored once; the second caller learns it was a duplicate", async () => {
    const results = await Promise.all([
      storeDelivery(database.db, delivery("same")),
      storeDelivery(database.db, delivery("same")),
      storeDelivery(database.db, delivery("other", false)),
    ]);
    expect(results).toEqual([true, false, true]);
    expect(await storeDelivery(database.db, delivery("same"))).toBe(false);
    const rows = await database.db.select().from(webhookDeliveries);
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.deliveryId === "other")).toMatchObject({ status: "ignored" });
    expect(rows.find((r) => r.deliveryId === "other")!.processedAt).toBeInstanceOf(Date);
  });
});
