/**
 * Intake on PostgreSQL: real-size signed deliveries posted over loopback by 16 concurrent
 * keep-alive clients to the real app (verify, store, answer; workers off, so only intake is
 * measured), side by side with a bare Probot app whose webhook middleware only verifies and
 * answers. Target: ≥ 1,000 deliveries/s and p99 ≤ 20 ms, at least half the bare app's throughput.
 */
import { seededRandom } from "./support/seeded-random.js";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { createNodeMiddleware, Probot } from "probot";
import { bootApp } from "../src/boot.js";
import { openDatabase } from "../src/db/client.js";
import { migrateDatabase } from "../src/db/migrate.js";
import { createLogger } from "../src/logger.js";
import { WEBHOOK_PATH, listen } from "../src/server/http-server.js";
import { TEST_APP_ID, TEST_PRIVATE_KEY, TEST_WEBHOOK_SECRET, testConfig } from "../test/support/github-app.js";
import { createBenchDatabase } from "./support/bench-database.js";
import { processCpuMs } from "./support/process-cpu.js";
import { round, runLoad, summarise, type LoadOptions, type LoadResult, type LoadTemplate } from "./support/load.js";

const CLIENTS = 16;
const WARMUP_REQUESTS = 500;
const MEASURED_REQUESTS = 10_000;
const MAX_SECONDS = 10;

/** The delivery mix: share of each event, from the real examples GitHub's docs publish. */
const MIX: { event: string; action: string; share: number }[] = [
  { event: "issues", action: "opened", share: 35 },
  { event: "issue_comment", action: "created", share: 35 },
  { event: "pull_request", action: "opened", share: 20 },
  { event: "installation", action: "created", share: 10 },
];

const TARGET = { perSecond: 1_000, p99Ms: 20, ratio: 0.5 };

export async function benchIntake(): Promise<Record<string, number | string>> {
  const { templates, schedule } = deliveryMix();
  const load = (url: string): LoadOptions => ({
    url,
    secret: TEST_WEBHOOK_SECRET,
    templates,
    schedule,
    concurrency: CLIENTS,
    warmupRequests: WARMUP_REQUESTS,
    requests: MEASURED_REQUESTS,
    maxSeconds: MAX_SECONDS,
  });
  const meanBytes = schedule.reduce((sum, i) => sum + (templates[i] as LoadTemplate).body.length, 0) / schedule.length;

  const codewalkers = await measureCodewalkers(load);
  const bare = await measureBareProbot(load);

  const cw = summarise(codewalkers.load.measured);
  const base = summarise(bare.load.measured);
  const ratio = round(cw.perSecond / base.perSecond, 2);
  const accepted = codewalkers.load.warmup.accepted + codewalkers.load.measured.accepted;
  const misses = [
    cw.perSecond < TARGET.perSecond ? `${cw.perSecond}/s < ${TARGET.perSecond}/s` : "",
    cw.p99Ms > TARGET.p99Ms ? `p99 ${cw.p99Ms} ms > ${TARGET.p99Ms} ms` : "",
    ratio < TARGET.ratio ? `ratio ${ratio} < ${TARGET.ratio}` : "",
  ].filter(Boolean);

  return {
    "intake.database": "PostgreSQL (fresh cw_bench_<pid>, migrated)",
    "intake.mix": MIX.map((m) => `${m.share}% ${m.event}.${m.action}`).join(", "),
    "intake.payload.meanBytes": Math.round(meanBytes),
    "intake.clients": CLIENTS,
    "intake.warmupRequests": WARMUP_REQUESTS,
    "intake.codewalkers.requests": codewalkers.load.measured.completed,
    "intake.codewalkers.seconds": round(codewalkers.load.measured.elapsedMs / 1000, 2),
    "intake.codewalkers.statuses.all": statuses(codewalkers.load),
    "intake.codewalkers.perSecond": cw.perSecond,
    "intake.codewalkers.p50.ms": cw.p50Ms,
    "intake.codewalkers.p99.ms": cw.p99Ms,
    "intake.codewalkers.max.ms": cw.maxMs,
    "intake.codewalkers.nodeCpuPerDelivery.ms": codewalkers.cpu.nodeMsPerDelivery,
    ...(codewalkers.cpu.postgresMsPerDelivery === undefined ? {} : { "intake.codewalkers.postgresCpuPerDelivery.ms": codewalkers.cpu.postgresMsPerDelivery }),
    "intake.bare.requests": bare.load.measured.completed,
    "intake.bare.seconds": round(bare.load.measured.elapsedMs / 1000, 2),
    "intake.bare.statuses.all": statuses(bare.load),
    "intake.bare.perSecond": base.perSecond,
    "intake.bare.p50.ms": base.p50Ms,
    "intake.bare.p99.ms": base.p99Ms,
    "intake.bare.max.ms": base.maxMs,
    "intake.bare.nodeCpuPerDelivery.ms": bare.cpu.nodeMsPerDelivery,
    "intake.ratio.throughput": ratio,
    "intake.accepted": accepted,
    "intake.rows.stored": codewalkers.rows.total,
    "intake.rows.pending": codewalkers.rows.pending,
    "intake.rows.ignored": codewalkers.rows.ignored,
    "intake.rows.byEvent": codewalkers.rows.byEvent,
    "intake.rows.matchAccepted": codewalkers.rows.total === accepted ? "yes" : "NO",
    "intake.target": misses.length === 0 ? "met (≥1000/s, p99 ≤ 20 ms, ≥ 0.5 × bare)" : `MISSED: ${misses.join("; ")}`,
  };
}

interface CpuCost {
  /** CPU time of the server's process (this one; the clients run in their own) per delivery. */
  nodeMsPerDelivery: number;
  /** CPU time of the app's PostgreSQL backends per delivery (Linux only). */
  postgresMsPerDelivery?: number | undefined;
}

interface RowCounts {
  total: number;
  pending: number;
  ignored: number;
  byEvent: string;
}

async function measureCodewalkers(load: (url: string) => LoadOptions): Promise<{ load: LoadResult; cpu: CpuCost; rows: RowCounts }> {
  const bench = await createBenchDatabase();
  try {
    const database = await openDatabase({ databaseUrl: bench.url });
    try {
      await migrateDatabase(database);
      const config = testConfig({ databaseUrl: bench.url, port: 0, host: "127.0.0.1", logLevel: "warn" });
      const app = await bootApp({ config, log: createLogger(config.logLevel), database, startWorkers: false });
      const backends = async () =>
        (await database.rows<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database()`)).map((r) => r.pid);
      let result: LoadResult;
      let cpu: CpuCost;
      try {
        const postgresBefore = processCpuMs(await backends());
        const nodeBefore = process.cpuUsage();
        result = await runLoad(load(`http://127.0.0.1:${app.port}${WEBHOOK_PATH}`));
        const node = process.cpuUsage(nodeBefore);
        // Backends opened during the run started from zero; those open before it are subtracted.
        const postgresAfter = processCpuMs(await backends());
        const deliveries = result.warmup.completed + result.measured.completed;
        cpu = {
          nodeMsPerDelivery: round((node.user + node.system) / 1000 / deliveries, 3),
          postgresMsPerDelivery:
            postgresBefore === undefined || postgresAfter === undefined ? undefined : round((postgresAfter - postgresBefore) / deliveries, 3),
        };
      } finally {
        await app.stop();
      }
      const byStatus = await database.rows<{ event: string; status: string; n: number }>(
        `select event, status::text as status, count(*)::int as n from webhook_deliveries group by 1, 2 order by 1, 2`,
      );
      const sum = (status?: string) => byStatus.filter((r) => status === undefined || r.status === status).reduce((s, r) => s + r.n, 0);
      return {
        load: result,
        cpu,
        rows: {
          total: sum(),
          pending: sum("pending"),
          ignored: sum("ignored"),
          byEvent: byStatus.map((r) => `${r.event}=${r.status}:${r.n}`).join(", "),
        },
      };
    } finally {
      await database.close();
    }
  } finally {
    await bench.drop();
  }
}

/** Probot's own webhook middleware, no handlers: verifies the signature and answers. */
async function measureBareProbot(load: (url: string) => LoadOptions): Promise<{ load: LoadResult; cpu: CpuCost }> {
  const log = createLogger("warn");
  const probot = new Probot({
    appId: TEST_APP_ID,
    privateKey: TEST_PRIVATE_KEY,
    secret: TEST_WEBHOOK_SECRET,
    log: log.child({ name: "probot" }),
  });
  const middleware = await createNodeMiddleware(() => {}, { probot });
  const server: Server = createServer((req, res) => {
    void middleware(req, res, () => void res.writeHead(404).end());
  });
  const port = await listen(server, 0, "127.0.0.1");
  try {
    const before = process.cpuUsage();
    const result = await runLoad(load(`http://127.0.0.1:${port}${WEBHOOK_PATH}`));
    const used = process.cpuUsage(before);
    const deliveries = result.warmup.completed + result.measured.completed;
    return { load: result, cpu: { nodeMsPerDelivery: round((used.user + used.system) / 1000 / deliveries, 3) } };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The example payloads of each event in the mix, and a seeded shuffle of them by share. */
function deliveryMix(): { templates: LoadTemplate[]; schedule: number[] } {
  const require = createRequire(import.meta.url);
  const definitions = require("@octokit/webhooks-examples/api.github.com/index.json") as {
    name: string;
    examples: Record<string, unknown>[];
  }[];
  const templates: LoadTemplate[] = [];
  const schedule: number[] = [];
  for (const { event, action, share } of MIX) {
    const examples = definitions.find((d) => d.name === event)?.examples.filter((p) => p.action === action) ?? [];
    if (examples.length === 0) throw new Error(`no webhooks-examples payload for ${event}.${action}`);
    const first = templates.length;
    for (const payload of examples) templates.push({ event, body: JSON.stringify(payload) });
    // 10 × share slots per 1,000 requests, rotating through this event's examples.
    for (let k = 0; k < share * 10; k++) schedule.push(first + (k % examples.length));
  }
  const random = seededRandom(0x1a7a6e);
  for (let i = schedule.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [schedule[i], schedule[j]] = [schedule[j] as number, schedule[i] as number];
  }
  return { templates, schedule };
}

/** Answers by status over the warm-up and the measured run, e.g. "202×10500". */
function statuses(result: LoadResult): string {
  const all: Record<string, number> = {};
  for (const phase of [result.warmup, result.measured]) {
    for (const [status, n] of Object.entries(phase.statuses)) all[status] = (all[status] ?? 0) + n;
  }
  return Object.entries(all)
    .map(([status, n]) => `${status}×${n}`)
    .join(" ");
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  console.log(JSON.stringify(await benchIntake(), null, 2));
}
