/**
 * `GET /metrics`, in the Prometheus text format (prom-client's API). Counters and histograms are
 * counted in this process as things happen (deliveries stored, processed, failed; GitHub
 * requests by status; task runs by outcome and duration). Gauges that come from the database
 * (processing lag, outbox depth and oldest age, agents running by adapter, exhausted accounts)
 * are read at scrape time, each with one cheap query on an indexed column, so a scrape costs
 * the same with ten tasks or ten thousand.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { and, count, eq, inArray, sql } from "drizzle-orm";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../db/client.js";
import { accounts, agents, outbox, webhookDeliveries } from "../db/schema.js";

export const registry = new Registry();

export const deliveriesTotal = new Counter({
  name: "codewalkers_deliveries_total",
  help: "Webhook deliveries: stored (new), processed, failed (an attempt that will be retried or is dead).",
  labelNames: ["outcome"] as const,
  registers: [registry],
});

export const deliveryBatchesTotal = new Counter({
  name: "codewalkers_delivery_batches_total",
  help: "Batches of a repository's deliveries: handled in one transaction, or one delivery at a time (PGlite, a project not yet recorded, or the one transaction given up: see the debug log).",
  labelNames: ["path"] as const,
  registers: [registry],
});

export const githubRequestsTotal = new Counter({
  name: "codewalkers_github_requests_total",
  help: "Requests to the GitHub API, by HTTP status (0: no answer).",
  labelNames: ["status"] as const,
  registers: [registry],
});

export const githubRateRemaining = new Gauge({
  name: "codewalkers_github_rate_limit_remaining",
  help: "Requests left in the current rate-limit window, as GitHub last said (x-ratelimit-remaining), by resource.",
  labelNames: ["resource"] as const,
  registers: [registry],
});

export const taskRunSeconds = new Histogram({
  name: "codewalkers_task_run_duration_seconds",
  help: "How long agent runs took, from claim to recorded end, by outcome.",
  labelNames: ["outcome"] as const,
  buckets: [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
  registers: [registry],
});

const processingLag = new Gauge({
  name: "codewalkers_processing_lag_seconds",
  help: "Age of the oldest stored delivery not yet processed (0 when none waits).",
  registers: [registry],
});
const outboxDepth = new Gauge({ name: "codewalkers_outbox_depth", help: "GitHub writes waiting in the outbox.", registers: [registry] });
const outboxOldest = new Gauge({
  name: "codewalkers_outbox_oldest_age_seconds",
  help: "Age of the oldest GitHub write waiting in the outbox (0 when none waits).",
  registers: [registry],
});
const agentsRunning = new Gauge({
  name: "codewalkers_agents_running",
  help: "Agents running now, by adapter.",
  labelNames: ["adapter"] as const,
  registers: [registry],
});
const accountsExhausted = new Gauge({
  name: "codewalkers_accounts_exhausted",
  help: "Agent-provider accounts at their usage limit.",
  registers: [registry],
});

const ADAPTERS = ["claude", "codex", "command"];

/** The database gauges, one indexed query each, all at once. */
export async function readDatabaseGauges(db: Db): Promise<void> {
  const age = (column: unknown) => sql<string | null>`extract(epoch from now() - min(${column}))::text`;
  const [[lag], [queue], running, [exhausted]] = await Promise.all([
    db
      .select({ age: age(webhookDeliveries.receivedAt) })
      .from(webhookDeliveries)
      .where(inArray(webhookDeliveries.status, ["pending", "processing"])),
    db
      .select({ depth: count(), age: age(outbox.createdAt) })
      .from(outbox)
      .where(eq(outbox.status, "pending")),
    db.select({ adapter: agents.provider, n: count() }).from(agents).where(eq(agents.status, "running")).groupBy(agents.provider),
    db
      .select({ n: count() })
      .from(accounts)
      .where(and(eq(accounts.isExhausted, true))),
  ]);
  processingLag.set(Number(lag?.age ?? 0));
  outboxDepth.set(Number(queue?.depth ?? 0));
  outboxOldest.set(Number(queue?.age ?? 0));
  agentsRunning.reset();
  for (const a of ADAPTERS) agentsRunning.set({ adapter: a }, 0);
  for (const r of running) agentsRunning.set({ adapter: r.adapter }, Number(r.n));
  accountsExhausted.set(Number(exhausted?.n ?? 0));
}

/** GET /metrics. */
export function metricsEndpoint(db: Db) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      await readDatabaseGauges(db);
      res.writeHead(200, { "content-type": registry.contentType }).end(await registry.metrics());
    } catch (error) {
      res.writeHead(503, { "content-type": "text/plain" }).end(`metrics unavailable: ${(error as Error).message}\n`);
    }
  };
}
