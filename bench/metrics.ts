/**
 * `/metrics` scrape time with 10,000 tasks (target: ≤ 20 ms): a PostgreSQL database seeded with
 * one project, 10,000 tasks, an agent per task (40 running), 2,000 processed deliveries and 500
 * outbox rows; the scrape is the endpoint's own work (the database gauges read, the text made).
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { sql } from "drizzle-orm";
import { openDatabase } from "../src/db/client.js";
import { migrateDatabase } from "../src/db/migrate.js";
import { agents, outbox, projects, tasks, webhookDeliveries } from "../src/db/schema.js";
import { readDatabaseGauges, registry } from "../src/server/metrics.js";
import { createBenchDatabase } from "./support/bench-database.js";
import { median } from "./support/bench-app.js";

const TASKS = 10_000;
const SCRAPES = 50;

export async function benchMetrics(): Promise<Record<string, number | string>> {
  const bench = await createBenchDatabase();
  const database = await openDatabase({ databaseUrl: bench.url, maxConnections: 4 });
  try {
    await migrateDatabase(database);
    const db = database.db;
    const [project] = await db.insert(projects).values({ name: "acme/shop", url: "https://github.com/acme/shop.git" }).returning();
    for (let start = 0; start < TASKS; start += 1_000) {
      const rows = Array.from({ length: 1_000 }, (_, i) => ({
        id: randomUUID(),
        projectId: project!.id,
        name: `Task ${start + i}`,
        issueNumber: start + i + 1,
        status: "completed" as const,
      }));
      await db.insert(tasks).values(rows);
      await db.insert(agents).values(
        rows.map((t, i) => ({
          name: `agent-${start + i}`,
          taskId: t.id,
          worktreeId: t.id,
          provider: i % 3 === 0 ? "codex" : "claude",
          status: start === 0 && i < 40 ? ("running" as const) : ("idle" as const),
          usage: { inputTokens: 1000, outputTokens: 200 },
          costUsd: "0.01",
        })),
      );
    }
    await db.execute(sql`insert into ${webhookDeliveries} (delivery_id, event, queue_key, payload, status)
      select gen_random_uuid()::text, 'issues', 'repo:1', '{}'::json, (case when g % 100 = 0 then 'pending' else 'done' end)::delivery_status
      from generate_series(1, 2000) g`);
    await db
      .insert(outbox)
      .values(Array.from({ length: 500 }, (_, i) => ({ operation: "upsert-comment", targetKey: `comment:acme/shop#${i}:x`, payload: {}, installationId: 1 })));
    const times: number[] = [];
    let bytes = 0;
    let text = "";
    for (let i = 0; i < SCRAPES; i++) {
      const started = performance.now();
      await readDatabaseGauges(db);
      text = await registry.metrics();
      times.push(performance.now() - started);
      bytes = text.length;
    }
    return {
      "metrics.tasks": TASKS,
      "metrics.scrapeBytes": bytes,
      "metrics.outboxDepthSeen": Number(/^codewalkers_outbox_depth (\S+)$/m.exec(text)?.[1]),
      "metrics.agentsRunningSeen": text.match(/^codewalkers_agents_running\{[^}]*\} (\d+)$/gm)?.join(" ") ?? "",
      "metrics.scrape.p50.ms (target ≤ 20)": Math.round(median(times) * 100) / 100,
      "metrics.scrape.max.ms": Math.round(Math.max(...times) * 100) / 100,
    };
  } finally {
    await database.close();
    await bench.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(await benchMetrics());
}
