import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * Files that replace a module with `vi.mock` need a module graph of their own: found by reading
 * the test files, so a new one cannot slip into the shared workers by being left off a list.
 */
const MOCKING = readdirSync("test", { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith(".test.ts"))
  .map((entry) => path.join(entry.parentPath, entry.name))
  .filter((file) => /\bvi\.(do)?mock\(/.test(readFileSync(file, "utf8")));

/**
 * test/postgres/ holds what only a PostgreSQL server has (connections to drop): part of the suite
 * when DATABASE_URL names one, and not collected at all on embedded PGlite — rather than reported
 * as skipped there.
 */
const POSTGRES_ONLY = process.env.DATABASE_URL ? [] : ["test/postgres/**"];

export default defineConfig({
  test: {
    setupFiles: ["test/support/setup.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    // Each file gets its own database; files run in parallel processes.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    projects: [
      // A worker keeps its modules from one file to the next: importing the app (Probot,
      // drizzle, PGlite) for each of eighty files cost minutes of CPU. Every file still opens
      // its own database and app; process-wide state (the metrics registry) is reset by the
      // files that read it.
      {
        extends: true,
        test: { name: "shared", isolate: false, include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, ...POSTGRES_ONLY, ...MOCKING] },
      },
      ...(MOCKING.length > 0
        ? [{ extends: true as const, test: { name: "isolated", include: MOCKING, exclude: [...configDefaults.exclude, ...POSTGRES_ONLY] } }]
        : []),
    ],
  },
});
