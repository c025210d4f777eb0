/**
 * Task and phase dependency rows (the seed model's tables), derived from the "blocked by" links
 * whose both ends are tasks (or phases) of the repository. Links are the truth; these rows
 * follow them, so whoever reads the model the seed's way sees the same graph.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { issueLinks, phaseDependencies, phases, taskDependencies, tasks } from "../../db/schema.js";

export async function deriveDependencies(tx: Tx, projectId: string, repoName: string): Promise<void> {
  // The three reads go out together (one round trip), and so do the two convergences: the task
  // and phase dependency tables are apart.
  const [links, taskRows, phaseRows] = await Promise.all([
    tx
      .select({ from: issueLinks.fromNumber, to: issueLinks.toNumber })
      .from(issueLinks)
      .where(and(eq(issueLinks.projectId, projectId), eq(issueLinks.kind, "blocked_by"), sql`lower(${issueLinks.toRepo}) = ${repoName.toLowerCase()}`)),
    tx.select({ id: tasks.id, n: tasks.issueNumber }).from(tasks).where(eq(tasks.projectId, projectId)),
    tx.select({ id: phases.id, n: phases.issueNumber }).from(phases).where(eq(phases.projectId, projectId)),
  ]);

  const scope = (rows: { id: string }[]) => rows.map((r) => r.id);
  await Promise.all([
    converge(tx, taskDependencies, taskDependencies.taskId, taskDependencies.dependsOnTaskId, scope(taskRows), pairs(links, taskRows)),
    converge(tx, phaseDependencies, phaseDependencies.phaseId, phaseDependencies.dependsOnPhaseId, scope(phaseRows), pairs(links, phaseRows)),
  ]);
}

function pairs(links: { from: number; to: number }[], rows: { id: string; n: number | null }[]): Map<string, [string, string]> {
  const idOf = new Map(rows.filter((r) => r.n !== null).map((r) => [r.n!, r.id]));
  const wanted = new Map<string, [string, string]>();
  for (const { from, to } of links) {
    const a = idOf.get(from);
    const b = idOf.get(to);
    if (a && b && a !== b) wanted.set(`${a}>${b}`, [a, b]);
  }
  return wanted;
}

async function converge(
  tx: Tx,
  table: typeof taskDependencies | typeof phaseDependencies,
  fromColumn: typeof taskDependencies.taskId | typeof phaseDependencies.phaseId,
  toColumn: typeof taskDependencies.dependsOnTaskId | typeof phaseDependencies.dependsOnPhaseId,
  scopeIds: string[],
  wanted: Map<string, [string, string]>,
): Promise<void> {
  if (scopeIds.length === 0) return;
  const existing = await tx.select({ id: table.id, from: fromColumn, to: toColumn }).from(table).where(inArray(fromColumn, scopeIds));
  const stale = existing.filter((e) => !wanted.has(`${e.from}>${e.to}`)).map((e) => e.id);
  if (stale.length) await tx.delete(table).where(inArray(table.id, stale));
  const have = new Set(existing.map((e) => `${e.from}>${e.to}`));
  const missing = [...wanted.entries()].filter(([k]) => !have.has(k)).map(([, v]) => v);
  if (missing.length === 0) return;
  if (table === taskDependencies) {
    await tx
      .insert(taskDependencies)
      .values(missing.map(([taskId, dependsOnTaskId]) => ({ taskId, dependsOnTaskId })))
      .onConflictDoNothing();
  } else {
    await tx
      .insert(phaseDependencies)
      .values(missing.map(([phaseId, dependsOnPhaseId]) => ({ phaseId, dependsOnPhaseId })))
      .onConflictDoNothing();
  }
}
