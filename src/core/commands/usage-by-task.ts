/** Tokens and cost of every agent run, summed per task, in one grouped read. */
import { inArray, sql } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { agents } from "../../db/schema.js";
import type { UsageTotals } from "../usage-totals.js";

export async function usageByTask(tx: Tx, taskIds: readonly string[]): Promise<Map<string, UsageTotals>> {
  const totals = new Map<string, UsageTotals>();
  if (taskIds.length === 0) return totals;
  const rows = await tx
    .select({
      taskId: agents.taskId,
      runs: sql<number>`count(*)::int`,
      input: sql<string>`coalesce(sum((${agents.usage} ->> 'inputTokens')::numeric), 0)::text`,
      output: sql<string>`coalesce(sum((${agents.usage} ->> 'outputTokens')::numeric), 0)::text`,
      cost: sql<string>`coalesce(sum(${agents.costUsd}::numeric), 0)::text`,
    })
    .from(agents)
    .where(inArray(agents.taskId, [...taskIds]))
    .groupBy(agents.taskId);
  for (const r of rows) {
    if (!r.taskId) continue;
    totals.set(r.taskId, { runs: Number(r.runs), inputTokens: Number(r.input), outputTokens: Number(r.output), costUsd: Number(r.cost) });
  }
  return totals;
}
