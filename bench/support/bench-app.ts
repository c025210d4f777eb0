/**
 * The whole app booted for a benchmark, as the end-to-end tests boot it (test/support/boot.ts):
 * a fresh migrated PostgreSQL database (`cw_bench_<pid>`), workers off unless started, and the
 * GitHub side answered by the stateful fake GitHub through nock. Only 127.0.0.1 is reachable.
 */
import os from "node:os";
import nock from "nock";
import { pino, type Logger } from "pino";
import { bootApp, type RunningApp } from "../../src/boot.js";
import type { Config } from "../../src/config.js";
import { openDatabase, type Database } from "../../src/db/client.js";
import { migrateDatabase } from "../../src/db/migrate.js";
import type { RunnerSettings } from "../../src/runner/run-task.js";
import { createOutboxWorker } from "../../src/github/outbox-worker.js";
import { WritePacer } from "../../src/github/write-pacer.js";
import type { WorkerLoop } from "../../src/lib/worker-loop.js";
import type { FakeGitHub } from "../../test/support/fake-github/index.js";
import { testConfig } from "../../test/support/github-app.js";
import { createBenchDatabase, type BenchDatabase } from "./bench-database.js";

export interface BenchApp {
  app: RunningApp;
  database: Database;
  /** The outbox `settle` drains: the app's, or one whose pacer never holds a write back. */
  outbox: WorkerLoop<unknown>;
  /** Processes every stored delivery, then performs every recorded GitHub write, until quiet. */
  settle(options?: { outbox?: boolean; reconciler?: boolean }): Promise<void>;
  /** Delivers the fake's webhooks and settles, until no webhook is left (the app's echoes included). */
  converge(fake: FakeGitHub, options?: { outbox?: boolean; reconciler?: boolean }): Promise<void>;
  /** Warnings and errors the app logged (kept out of the benchmark's output), by message. */
  logSummary(): string;
  /** Statements the app's drizzle sent to PostgreSQL so far (not the benchmark's own `database.rows`). */
  statements(): number;
  /** Installs the fake's repositories: installation webhook, first reconcile, echoes. */
  install(fake: FakeGitHub): Promise<void>;
  close(): Promise<void>;
}

/** Every request leaves only for 127.0.0.1; api.github.com is the fake's (nock). */
export function localNetworkOnly(): () => void {
  nock.disableNetConnect();
  nock.enableNetConnect((host: string) => host.startsWith("127.0.0.1") || host.startsWith("localhost"));
  return () => {
    nock.cleanAll();
    nock.enableNetConnect();
  };
}

export async function bootBenchApp(
  options: {
    config?: Partial<Config>;
    runner?: Partial<RunnerSettings>;
    maxConnections?: number;
    /**
     * "unpaced": settle drains an outbox worker (same code, same database) whose pacer lets
     * every write through at once. The app's own pacer spaces writes beyond 80 a minute in real
     * time, which would turn a scenario of a few hundred writes into minutes of waiting.
     */
    outbox?: "app" | "unpaced";
    /** The app's own outbox pacer (a benchmark modelling time gives it its clock). */
    writePacer?: WritePacer;
  } = {},
): Promise<BenchApp> {
  const capture = capturingLogger();
  let statements = 0;
  const bench: BenchDatabase = await createBenchDatabase();
  let database: Database | undefined;
  let app: RunningApp | undefined;
  try {
    database = await openDatabase({ databaseUrl: bench.url, maxConnections: options.maxConnections ?? 10, onStatement: () => statements++ });
    await migrateDatabase(database);
    // This machine's PostgreSQL trusts local connections, which would stop the runner starting
    // agents (containment/database-reach.ts); a benchmark measures the runner, not pg_hba.conf.
    const config = testConfig({ databaseUrl: bench.url, unsafeDatabase: true, logLevel: "error", ...options.config });
    app = await bootApp({
      config,
      log: capture.log,
      database,
      startWorkers: false,
      runner: { heartbeatMs: 1_000, ...options.runner },
      ...(options.writePacer ? { writePacer: options.writePacer } : {}),
    });
  } catch (error) {
    await database?.close().catch(() => {});
    await bench.drop().catch(() => {});
    throw error;
  }
  const running = app;
  const db = database;
  const outboxWorker =
    options.outbox === "unpaced"
      ? (createOutboxWorker({
          database: db,
          probot: running.probot,
          log: capture.log,
          pacer: new WritePacer(1_000_000, Date.now, 1_000_000),
        }) as WorkerLoop<unknown>)
      : running.outbox;

  const settle: BenchApp["settle"] = async ({ outbox = true, reconciler = false } = {}) => {
    for (let round = 0; round < 50; round++) {
      let handled = (await running.processor.drain()) + (await running.reconcile.drain());
      if (outbox) handled += await outboxWorker.drain();
      if (reconciler) handled += await running.githubReader.drain();
      if (handled === 0) return;
    }
    throw new Error("settle: work kept coming after 50 rounds");
  };
  const converge: BenchApp["converge"] = async (fake, o) => {
    for (let round = 0; round < 50; round++) {
      await fake.deliver(running.port);
      await settle(o);
      if (fake.pendingWebhooks.length === 0) return;
    }
    throw new Error("converge: webhooks kept coming after 50 rounds");
  };

  return {
    app: running,
    database: db,
    outbox: outboxWorker,
    logSummary: capture.summary,
    statements: () => statements,
    settle,
    converge,
    async install(fake) {
      fake.install();
      await converge(fake);
      await running.githubReader.drain();
      await converge(fake);
    },
    async close() {
      try {
        await running.stop();
      } finally {
        await db.close().catch(() => {});
        await bench.drop();
      }
    },
  };
}

export { seededRandom } from "./seeded-random.js";

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Nearest-rank percentile. */
export function percentileOf(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A logger that keeps the app's warnings and errors out of the benchmark's output and counts
 * them by message, with the first detail of each (an error message, a query failure).
 */
export function capturingLogger(): { log: Logger; summary(): string } {
  const byMessage = new Map<string, { count: number; level: number; detail: string }>();
  const log = pino(
    { level: "warn" },
    {
      write(line: string) {
        try {
          const entry = JSON.parse(line) as { level: number; msg?: string; err?: { message?: string }; error?: string };
          const key = entry.msg ?? "(no message)";
          const known = byMessage.get(key);
          if (known) known.count++;
          else {
            const detail =
              String(entry.err?.message ?? entry.error ?? "")
                .split("\n")
                .slice(-1)[0] ?? "";
            byMessage.set(key, { count: 1, level: entry.level, detail: detail.length > 160 ? `…${detail.slice(-160)}` : detail });
          }
        } catch {
          // not JSON: ignore
        }
      },
    },
  );
  return {
    log,
    summary() {
      if (byMessage.size === 0) return "none";
      return [...byMessage.entries()]
        .sort((a, b) => b[1].count - a[1].count)
        .map(([msg, e]) => `${e.level >= 50 ? "error" : "warn"} "${msg}" ×${e.count}${e.detail ? ` (${e.detail})` : ""}`)
        .join("; ");
    },
  };
}

export function loadAverage(): number {
  return Math.round(os.loadavg()[0]! * 100) / 100;
}
