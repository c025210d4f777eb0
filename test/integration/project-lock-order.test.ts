/**
 * A project transaction sends the project's lock together with its first statements, and the
 * runner's claim sends it with the task's row claim (one round trip, not two). That is safe only
 * if the driver puts the lock on the connection first, whatever the statement after it is built
 * with: the lock is held before any of them runs, so every transaction still takes the project's
 * lock before any row lock (the order that keeps them deadlock-free).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { lockProject, projectTransaction } from "../../src/core/commands/project-transaction.js";
import { projects } from "../../src/db/schema.js";
import type { Tx } from "../../src/db/client.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.close());

/** How many advisory locks this transaction's connection holds, as a statement sees it when it runs. */
async function advisoryLocksHeld(tx: Tx): Promise<number> {
  const result = await tx.execute(sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { n: number }[];
  return rows[0]!.n;
}

describe("the project lock sent with the statements after it", () => {
  it("is held when a raw statement sent in the same round trip runs (the runner's claim)", async () => {
    for (let i = 0; i < 5; i++) {
      const held = await database.db.transaction(async (tx) => {
        const [, n] = await Promise.all([lockProject(tx, `project-${i}`), advisoryLocksHeld(tx)]);
        return n;
      });
      expect(held).toBe(1);
    }
  });

  it("is held when a command's first statements run (projectTransaction), built or raw", async () => {
    const held = await projectTransaction(database.db, "project-x", async (tx) => {
      const [n, rows] = await Promise.all([advisoryLocksHeld(tx), tx.select({ id: projects.id }).from(projects).limit(1)]);
      return { n, rows: rows.length };
    });
    expect(held).toEqual({ n: 1, rows: 0 });
  });
});
