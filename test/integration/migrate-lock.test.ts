/**
 * Several processes may start at once on one empty database (a deploy of two replicas, the app
 * and a `codewalkers runner`): each migrates at boot, and all must succeed with the migrations
 * applied once. On PostgreSQL that is two connection pools racing for real; on PGlite (one
 * process owns the database) it is two callers in the same process.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/client.js";
import { migrateDatabase, MIGRATIONS_FOLDER } from "../../src/db/migrate.js";
import { adminUrl, databaseUrlWithName } from "../support/pg-urls.js";

const JOURNAL = JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, "meta/_journal.json"), "utf8")) as {
  entries: { tag: string }[];
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/**
 * Opens `count` handles on one new, empty database: separate connection pools on PostgreSQL
 * (as separate processes would have), the same in-memory PGlite otherwise.
 */
async function emptyDatabase(count: number): Promise<Database[]> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const database = await openDatabase({});
    cleanups.push(() => database.close());
    return Array.from({ length: count }, () => database);
  }
  const name = `cw_mig_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = await openDatabase({ databaseUrl: adminUrl(url), maxConnections: 1 });
  await admin.rows(`create database ${name}`);
  const handles: Database[] = [];
  cleanups.push(async () => {
    for (const handle of handles) await handle.close();
    await admin.rows(`drop database if exists ${name} with (force)`);
    await admin.close();
  });
  for (let i = 0; i < count; i++) {
    handles.push(await openDatabase({ databaseUrl: databaseUrlWithName(url, name), maxConnections: 3 }));
  }
  return handles;
}

async function appliedMigrations(database: Database) {
  return database.rows<{ hash: string; created_at: string }>(`select hash, created_at from drizzle.__drizzle_migrations`);
}

async function publicTables(database: Database): Promise<string[]> {
  const rows = await database.rows<{ tablename: string }>(`select tablename from pg_tables where schemaname = 'public'`);
  return rows.map((r) => r.tablename).sort();
}

describe(`concurrent migrations (${process.env.DATABASE_URL ? "PostgreSQL, separate pools" : "PGlite, one process"})`, () => {
  it("two boots migrating one empty database at once both succeed and apply each migration once", async () => {
    const [a, b] = await emptyDatabase(2);
    expect(await publicTables(a!)).toEqual([]);

    const results = await Promise.allSettled([migrateDatabase(a!), migrateDatabase(b!)]);
    expect(results.map((r) => (r.status === "rejected" ? String(r.reason) : r.status))).toEqual(["fulfilled", "fulfilled"]);

    const applied = await appliedMigrations(a!);
    expect(applied).toHaveLength(JOURNAL.entries.length);
    expect(new Set(applied.map((m) => m.hash)).size).toBe(JOURNAL.entries.length);
    expect(await publicTables(b!)).toEqual(expect.arrayContaining(["tasks", "phases", "initiatives", "webhook_deliveries", "outbox"]));
  });

  it("more boots at once, and a later one, change nothing more", async () => {
    const handles = await emptyDatabase(4);
    await Promise.all(handles.map((h) => migrateDatabase(h)));
    const tables = await publicTables(handles[0]!);
    const applied = await appliedMigrations(handles[0]!);
    expect(applied).toHaveLength(JOURNAL.entries.length);

    await migrateDatabase(handles[3]!);
    expect(await appliedMigrations(handles[1]!)).toEqual(applied);
    expect(await publicTables(handles[2]!)).toEqual(tables);
  });

  it("releases the lock when a migration fails, so the next boot can migrate", async () => {
    const [a, b] = await emptyDatabase(2);
    // Something already holds a name the first migration creates: migrating fails.
    await a!.rows(`create table "projects" (id int)`);
    await expect(migrateDatabase(a!)).rejects.toThrow();
    expect(await appliedMigrations(a!).catch(() => [])).toEqual([]);

    // The operator fixes it; the next boot is not stuck behind a lock that was never released.
    await a!.rows(`drop table "projects"`);
    await migrateDatabase(b!);
    expect(await appliedMigrations(b!)).toHaveLength(JOURNAL.entries.length);
  });
});
