/** The log of a task's current or last run, read from `agent_log_chunks` (for `/cw log` and `codewalkers logs`). */
import { desc, eq } from "drizzle-orm";
import type { Db, Tx } from "../../db/client.js";
import { agentLogChunks, agents } from "../../db/schema.js";
import type { LogView } from "../describe-log.js";

/** The newest agent of the task and its last `maxLines` lines (all of them when null), oldest first. */
export async function taskLog(tx: Db | Tx, taskId: string, maxLines: number | null): Promise<LogView | null> {
  const [agent] = await tx
    .select({ id: agents.id, name: agents.name, status: agents.status })
    .from(agents)
    .where(eq(agents.taskId, taskId))
    .orderBy(desc(agents.createdAt))
    .limit(1);
  if (!agent) return null;
  return { agentName: agent.name, agentStatus: agent.status, lines: await agentLog(tx, agent.id, maxLines) };
}

/** An agent's lines, newest chunks read first until enough lines are found. */
export async function agentLog(tx: Db | Tx, agentId: string, maxLines: number | null): Promise<string[]> {
  const query = tx
    .select({ content: agentLogChunks.content })
    .from(agentLogChunks)
    .where(eq(agentLogChunks.agentId, agentId))
    .orderBy(desc(agentLogChunks.seq));
  // A chunk holds at least one line: maxLines chunks always hold maxLines lines.
  const chunks = maxLines === null ? await query : await query.limit(maxLines);
  const lines = chunks.reverse().flatMap((c) => c.content.split("\n"));
  return maxLines === null ? lines : lines.slice(-maxLines);
}
