/**
 * A fresh, migrated database for one test file: a copy of the run's template database on
 * PostgreSQL (its own database, so parallel files never collide), or the migrated PGlite dump
 * loaded into memory.
 */
import { readFileSync } from "node:fs";
import { inject } from "vitest";
import { openDatabase, type Database } from "../../src/db/client.js";
import { adminUrl, databaseUrlWithName } from "./pg-urls.js";

export interface TestDatabase extends Database {
  /** Empties every table (between tests of one file). */
  truncateAll(): Promise<void>;
  /** DATABASE_URL of this file's database (PostgreSQL only). */
  url: string | undefined;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = `cw_t_${process.ppid}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = await openDatabase({ databaseUrl: adminUrl(url), maxConnections: 1 });
    await admin.rows(`create database ${name} template ${inject("templateDatabase")}`);
    const fileUrl = databaseUrlWithName(url, name);
    const database = await openDatabase({ databaseUrl: fileUrl, maxConnections: 10 });
    return withHelpers(database, fileUrl, async () => {
      await admin.rows(`drop database if exists ${name} with (force)`);
      await admin.close();
    });
  }
  const dump = new Blob([readFileSync(inject("pgliteDumpPath"))]);
  const database = await openDatabase({ pgliteDump: dump });
  return withHelpers(database, undefined, async () => {});
}

function withHelpers(database: Database, url: string | undefined, dropDatabase: () => Promise<void>): TestDatabase {
  return {
    ...database,
    url,
    async truncateAll() {
      const tables = await database.rows<{ tablename: string }>(`select tablename from pg_tables where schemaname = 'public'`);
      if (tables.length === 0) return;
      await database.rows(`truncate ${tables.map((t) => `"${t.tablename}"`).join(", ")} restart identity cascade`);
    },
    async close() {
      await database.close();
      await dropDatabase();
    },
  };
}
