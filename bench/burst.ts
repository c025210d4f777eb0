/**
 * A burst on PGlite, the database of a fresh `npm start`: 2,000 signed deliveries (labels,
 * `/cw status` comments, edits on 50 issues of one repository) posted by 16 concurrent clients
 * to the whole app with every worker running (processor, reconcile, outbox against the fake
 * GitHub, the GitHub reader), as a busy milestone would send them. PGlite is one connection in
 * the app's own thread, so the workers' transactions and the intake's inserts share it: the
 * answers must still come well within GitHub's 10 s. Target: p99 answer ≤ 1 s, none over 10 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { bootApp } from "../src/boot.js";
import { openDatabase } from "../src/db/client.js";
import { migrateDatabase } from "../src/db/migrate.js";
import { createLogger } from "../src/logger.js";
import { WEBHOOK_PATH } from "../src/server/http-server.js";
import { FakeGitHub } from "../test/support/fake-github/index.js";
import { TEST_WEBHOOK_SECRET, testConfig } from "../test/support/github-app.js";
import { commentPayload, issuesPayload, labeledPayload, WRITER, type IssueSpec } from "../test/support/payloads.js";
import { loadAverage, localNetworkOnly, waitUntil } from "./support/bench-app.js";
import { round, runLoad, summarise, type LoadTemplate } from "./support/load.js";

const DELIVERIES = 2_000;
const CLIENTS = 16;
const ISSUES = 50;
const TARGET_P99_MS = 1_000;
const GITHUB_TIMEOUT_MS = 10_000;

export async function benchBurst(): Promise<Record<string, number | string>> {
  const restoreNet = localNetworkOnly();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "cw-burst-"));
  const fake = new FakeGitHub();
  const database = await openDatabase({ dataDir });
  try {
    await migrateDatabase(database);
    for (let n = 1; n <= ISSUES; n++) fake.openIssue({ title: `Issue ${n}`, body: `Issue ${n}.` }, WRITER);
    fake.dropWebhooks();
    const app = await bootApp({
      config: testConfig({ dataDir, logLevel: "error" }),
      log: createLogger("error"),
      database,
      startWorkers: process.env.BURST_WORKERS !== "0",
    });
    // No agents here: the runner would only fetch a repository that does not exist.
    await app.dispatcher.stop();
    try {
      const templates: LoadTemplate[] = [];
      for (let n = 1; n <= ISSUES; n++) {
        const spec: IssueSpec = { number: n, title: `Issue ${n}`, body: `Issue ${n}.${n > 1 ? `\n\nDepends on #${n - 1}` : ""}`, labels: ["cw:run"] };
        templates.push({ event: "issues", body: JSON.stringify(labeledPayload(spec, "cw:run", WRITER)) });
        templates.push({ event: "issue_comment", body: JSON.stringify(commentPayload(spec, "/cw status", WRITER)) });
        templates.push({ event: "issues", body: JSON.stringify(issuesPayload("edited", spec, WRITER, { changes: { body: { from: "before" } } })) });
      }
      const schedule = Array.from({ length: DELIVERIES }, (_, i) => i % templates.length);
      const load = loadAverage();
      const started = performance.now();
      const result = await runLoad({
        url: `http://127.0.0.1:${app.port}${WEBHOOK_PATH}`,
        secret: TEST_WEBHOOK_SECRET,
        templates,
        schedule,
        concurrency: CLIENTS,
        warmupRequests: 0,
        requests: DELIVERIES,
        maxSeconds: 300,
      });
      const answeredSeconds = (performance.now() - started) / 1000;
      const summary = summarise(result.measured);
      const over1s = result.measured.latenciesMs.filter((ms) => ms > 1_000).length;
      const over10s = result.measured.latenciesMs.filter((ms) => ms > GITHUB_TIMEOUT_MS).length;
      // The burst processed: every delivery handled and every reconcile owed run.
      const processed = await waitUntil(
        async () =>
          (
            await database.rows<{ n: number }>(
              `select (select count(*) from webhook_deliveries where status in ('pending', 'processing'))
                    + (select count(*) from reconcile_due where scope = 'plan') as n`,
            )
          )[0]!.n === 0,
        300_000,
        200,
      );
      const processedSeconds = (performance.now() - started) / 1000;
      const statuses = Object.entries(result.measured.statuses)
        .map(([s, n]) => `${s}×${n}`)
        .join(", ");
      return {
        "burst.database": "PGlite (fresh data dir), every worker running",
        "burst.deliveries": DELIVERIES,
        "burst.clients": CLIENTS,
        "burst.loadavg1": load,
        "burst.statuses": statuses,
        "burst.answered.seconds": round(answeredSeconds, 2),
        "burst.answer.p50.ms": summary.p50Ms,
        "burst.answer.p99.ms": summary.p99Ms,
        "burst.answer.max.ms": summary.maxMs,
        "burst.answers.over1s": over1s,
        "burst.answers.over10s": over10s,
        "burst.processed.seconds": processed ? round(processedSeconds, 2) : "not within 300 s",
        "burst.target":
          summary.p99Ms <= TARGET_P99_MS && over10s === 0
            ? `met (p99 ≤ ${TARGET_P99_MS} ms, none over 10 s)`
            : `MISSED: p99 ${summary.p99Ms} ms, ${over10s} over 10 s`,
      };
    } finally {
      await app.stop();
    }
  } finally {
    fake.dispose();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
    restoreNet();
  }
}
