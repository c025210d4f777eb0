/**
 * PostgreSQL ending the app's connections (a restart, a failover, a network cut) must not take
 * the app down or leave it hanging: what was cut fails catchably or is done again on a new
 * connection, and every query after it is answered. postgres.js 3.4.9 could throw from a
 * deferred write after a close, outside any await, and could keep a cleared write timer that no
 * small write ever flushed again (porsager/postgres#1208; patches/postgres+3.4.9.patch, applied
 * by `npm ci`'s postinstall, mends both); and a connection reserved from the pool stayed in it
 * broken (the app no longer reserves one: see db/client.ts).
 * PostgreSQL only (test/postgres/ runs when DATABASE_URL is set: vitest.config.ts): PGlite runs
 * in the app's process, with no connection to lose.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { waitFor } from "../support/processes.js";

const LOCK_KEY = 0x63777464;

describe("PostgreSQL connections that drop", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database.close());

  /** Every other backend of this file's database: the app's connections. */
  const ends = () =>
    database.rows<{ pid: number }>(
      `select pg_terminate_backend(pid) as ok, pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
    );

  it("a lock's connection and the pool's, ended while busy: the lock's work finishes, and the app answers queries after", async () => {
    // Busy pool connections (queries in flight) and a session lock, all ended at once, by a
    // statement on a pool connection left free (the pool holds 10).
    const busy = Array.from({ length: 8 }, (_, i) =>
      database.rows(`select pg_sleep(0.5), ${i} as n`).then(
        () => "answered",
        (e: { code?: string }) => e.code ?? "failed",
      ),
    );
    const locked = database.withAdvisoryLock(LOCK_KEY, async () => {
      const [holder] = await database.rows<{ pid: number }>(`select pid from pg_locks where locktype = 'advisory' and objid = ${LOCK_KEY}`);
      const ended = (await ends()).map((r) => r.pid);
      expect(ended).toContain(holder!.pid);
      expect(ended.length).toBeGreaterThan(1); // and pool connections, busy
      return "done";
    });
    expect(await locked).toBe("done");
    const outcomes = await Promise.all(busy);
    expect(outcomes.every((o) => o === "answered" || /^(CONNECTION_|57P01|ECONNRESET|EPIPE)/.test(o))).toBe(true);
    // Whatever was cut, the next queries are answered (none hangs, the process is alive).
    for (let i = 0; i < 30; i++) expect(await database.rows<{ n: number }>(`select ${i} as n`)).toEqual([{ n: i }]);
    await waitFor(
      async () =>
        (await database.rows<{ n: number }>(`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = ${LOCK_KEY}`))[0]!.n === 0,
    );
  });
});
