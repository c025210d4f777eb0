/**
 * Runs once per `npm test`: builds one migrated database that every test file then copies,
 * so no file pays for initdb or migrations. On PostgreSQL (DATABASE_URL set) it is a template
 * database; on PGlite, a dump of a migrated data directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../src/db/client.js";
import { migrateDatabase } from "../../src/db/migrate.js";
import { adminUrl, databaseUrlWithName } from "./pg-urls.js";

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
    pgliteDumpPath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = `cw_tpl_${process.pid}_${Date.now()}`;
    const admin = await openDatabase({ databaseUrl: adminUrl(url), maxConnections: 1 });
    await admin.rows(`create database ${name}`);
    const template = await openDatabase({ databaseUrl: databaseUrlWithName(url, name), maxConnections: 2 });
    await migrateDatabase(template);
    await template.close();
    project.provide("templateDatabase", name);
    project.provide("pgliteDumpPath", "");
    return async () => {
      // Test files drop their own copies; drop any left behind by a crashed worker, then the template.
      const leftovers = await admin.rows<{ datname: string }>(`select datname from pg_database where datname like $1`, [`cw_t_${process.pid}_%`]);
      for (const { datname } of leftovers) await admin.rows(`drop database if exists ${datname} with (force)`);
      await admin.rows(`drop database if exists ${name} with (force)`);
      await admin.close();
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "cw-pglite-"));
  const database = await openDatabase({});
  await migrateDatabase(database);
  const blob = await database.dumpDataDir!();
  await database.close();
  const dumpPath = path.join(dir, "migrated.tar");
  writeFileSync(dumpPath, Buffer.from(await blob.arrayBuffer()));
  project.provide("templateDatabase", "");
  project.provide("pgliteDumpPath", dumpPath);
  return async () => rmSync(dir, { recursive: true, force: true });
}
