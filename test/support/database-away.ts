/**
 * The database away, as the app's own code sees it: every transaction fails as a lost
 * connection does (postgres.js's CONNECTION_CLOSED), until `back()`. What is outside a
 * transaction still answers, as a pool does while a failover is under way.
 */
import type { Database } from "../../src/db/client.js";

export function databaseAway(database: Pick<Database, "db">): { back(): void; refused(): number } {
  const db = database.db as unknown as { transaction: (...args: unknown[]) => Promise<unknown> };
  const original = db.transaction.bind(db);
  let refused = 0;
  db.transaction = async () => {
    refused++;
    throw Object.assign(new Error("write CONNECTION_CLOSED 127.0.0.1:5432"), { code: "CONNECTION_CLOSED" });
  };
  return {
    back: () => {
      db.transaction = original;
    },
    refused: () => refused,
  };
}
