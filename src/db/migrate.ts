/**
 * Applies the drizzle-kit migrations in `migrations/`. The drizzle migrator takes no lock, so it
 * runs under an advisory lock: processes that start together migrate one after the other, and the
 * later ones find nothing left to do.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "./client.js";

export const MIGRATIONS_FOLDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations");
/** An arbitrary constant shared by every Codewalkers process ("cwmg"). */
export const MIGRATION_LOCK_KEY = 0x63776d67;

export async function migrateDatabase(database: Database): Promise<void> {
  const config = { migrationsFolder: MIGRATIONS_FOLDER };
  await database.withAdvisoryLock(MIGRATION_LOCK_KEY, async () => {
    if (database.driver === "pglite") {
      const { migrate } = await import("drizzle-orm/pglite/migrator");
      await migrate(database.db as Parameters<typeof migrate>[0], config);
    } else {
      const { migrate } = await import("drizzle-orm/postgres-js/migrator");
      await migrate(database.db as Parameters<typeof migrate>[0], config);
    }
  });
}
