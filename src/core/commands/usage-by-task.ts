/** Tokens and cost of every agent run, summed per task, in one grouped read. */
import { eq, inArray, sql } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { agents, tasks } from "../../db/schema.js";
import type { UsageTotals } from "../usage-totals.js";

export async function usageByTask(tx: Tx, taskIds: readonly string[]): Promise<Map<string, UsageTotals>> {
  if (taskIds.length === 0) return new Map();
  return totalsOf(
    await tx
      .select(USAGE_COLUMNS)
      .from(agents)
      .where(inArray(agents.taskId, [...taskIds]))
      .groupBy(agents.taskId),
  );
}

/** The same for every task of a project, in the same one read (the reconcile's, which shows them all). */
export async function usageByProjectTask(tx: Tx, projectId: string): Promise<Map<string, UsageTotals>> {
  return totalsOf(
    await tx
      .select(USAGE_COLUMNS)
      .from(agents)
      .where(inArray(agents.taskId, tx.select({ id: tasks.id }).from(tasks).where(eq(tasks.projectId, projectId))))
      .groupBy(agents.taskId),
  );
}

const USAGE_COLUMNS = {
  taskId: agents.taskId,
  runs: sql<number>`count(*)::int`,
  input: sql<string>`coalesce(sum((${agents.usage} ->> 'inputTokens')::numeric), 0)::text`,
  output: sql<string>`coalesce(sum((${agents.usage} ->> 'outputTokens')::numeric), 0)::text`,
  cost: sql<string>`coalesce(sum(${agents.costUsd}::numeric), 0)::text`,
};

function totalsOf(rows: { taskId: string | null; runs: number; input: string; output: string; cost: string }[]): Map<string, UsageTotals> {
  const totals = new Map<string, UsageTotals>();
  for (const r of rows) {
    if (!r.taskId) continue;
    totals.set(r.taskId, { runs: Number(r.runs), inputTokens: Number(r.input), outputTokens: Number(r.output), costUsd: Number(r.cost) });
  }
  return totals;
}
