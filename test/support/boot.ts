/** Boots the whole app on a test database, with workers driven by hand (drain). */
import { afterAll, beforeAll, beforeEach } from "vitest";
import { bootApp, type RunningApp } from "../../src/boot.js";
import { WritePacer } from "../../src/github/write-pacer.js";
import type { Config } from "../../src/config.js";
import type { RunnerSettings } from "../../src/runner/run-task.js";
import { createTestDatabase, type TestDatabase } from "./database.js";
import { testConfig, testLog } from "./github-app.js";
import { FULL_NAME } from "./payloads.js";

export interface BootedApp {
  app: RunningApp;
  database: TestDatabase;
  /** Processes every stored delivery, converges what is owed, then performs every recorded GitHub write. */
  settle(): Promise<void>;
  /** The outbox's pacer: limits too high to meet, but GitHub's holds apply (reset before each test). */
  pacer: WritePacer;
}

/** One app per test file; every table emptied before each test. */
export function useBootedApp(
  overrides: Partial<Config> | (() => Partial<Config>) = {},
  runner: Partial<RunnerSettings> | (() => Partial<RunnerSettings>) = {},
): BootedApp {
  const booted = {} as BootedApp;
  beforeAll(async () => {
    booted.database = await createTestDatabase();
    // GitHub's secondary limits are not what these tests are about: a test file's writes
    // would otherwise wait minutes for the pacer (test/e2e/plan-crash.test.ts models them).
    booted.pacer = new WritePacer(1_000_000, Date.now, 1_000_000);
    booted.app = await bootApp({
      config: testConfig(typeof overrides === "function" ? overrides() : overrides),
      log: testLog,
      database: booted.database,
      startWorkers: false,
      runner: { heartbeatMs: 200, ...(typeof runner === "function" ? runner() : runner) },
      writePacer: booted.pacer,
    });
    booted.settle = async () => {
      for (let round = 0; round < 20; round++) {
        const handled = (await booted.app.processor.drain()) + (await booted.app.reconcile.drain()) + (await booted.app.outbox.drain());
        if (handled === 0) return;
      }
      throw new Error("settle: work kept coming after 20 rounds");
    };
  });
  beforeEach(async () => {
    await booted.database.truncateAll();
    booted.pacer.reset();
    // Each test is a new world: nothing remembered from the one before.
    booted.app.services.repoConfig.forget(FULL_NAME);
    const [owner = "", repo = ""] = FULL_NAME.split("/");
    booted.app.services.permissions.forget(owner, repo);
  });
  afterAll(async () => {
    await booted.app?.stop();
    await booted.database?.close();
  });
  return booted;
}
