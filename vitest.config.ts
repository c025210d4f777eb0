import { configDefaults, defineConfig } from "vitest/config";

/** Files that replace a module with `vi.mock`: they need a module graph of their own. */
const MOCKING = ["test/integration/workspace-merge-race.test.ts"];

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
      { extends: true, test: { name: "shared", isolate: false, include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, ...MOCKING] } },
      { extends: true, test: { name: "isolated", include: MOCKING } },
    ],
  },
});
