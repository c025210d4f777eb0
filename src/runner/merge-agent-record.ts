/**
 * The merge agent's own `agents` row (mode `merge`), beside the row of the agent whose work it
 * merges: the same task and attempt, so it shows on the phase's check run and in `/cw status`,
 * keeps its own log and usage, and is never taken for the session a later attempt resumes.
 * Started in one short transaction under the run's fence, which also tells the issue.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { agents, tasks } from "../db/schema.js";
import { lockProject } from "../core/commands/project-transaction.js";
import type { AgentUsage } from "./agents/types.js";
import type { AgentRow } from "./run-context.js";
import { describeMergeAgentAtWork, type ConflictFacts } from "./run-comments.js";
import { announceAgent, recordAgent } from "./start-run.js";
import { fencedTask, type Fence } from "../db/task-fence.js";

/** Records the merge agent, or returns undefined when the run is no longer ours (stopped, reclaimed). */
export async function startMergeAgent(
  db: Db,
  input: { fence: Fence; worker: AgentRow; worktreeId: string; conflict: ConflictFacts },
): Promise<AgentRow | undefined> {
  return db.transaction(async (tx) => {
    // Take turns with the project's other runner transactions before locking the task row.
    const [owner] = await tx.select({ projectId: tasks.projectId }).from(tasks).where(eq(tasks.id, input.fence.taskId));
    if (!owner?.projectId) return undefined;
    await lockProject(tx, owner.projectId);
    const task = await fencedTask(tx, input.fence);
    if (task?.status !== "in_progress") return undefined;
    const agent = await recordAgent(tx, {
      taskId: task.id,
      initiativeId: task.initiativeId,
      provider: input.worker.provider,
      mode: "merge",
      runnerId: input.worker.runnerId,
      host: input.worker.host,
      attempt: task.attempt,
      worktreeId: input.worktreeId,
    });
    await announceAgent(tx, task, describeMergeAgentAtWork(input.worker.name, agent.name, input.conflict));
    return agent;
  });
}

export interface MergeAgentEnd {
  status: "idle" | "crashed" | "stopped";
  result: string;
  exitCode: number | null;
  sessionId: string | null;
  usage: AgentUsage | undefined;
}

export async function finishMergeAgent(db: Db, agentId: string, end: MergeAgentEnd): Promise<void> {
  await db
    .update(agents)
    .set({
      status: end.status,
      result: end.result,
      exitCode: end.exitCode,
      sessionId: end.sessionId,
      finishedAt: new Date(),
      usage: end.usage ? { ...end.usage } : null,
      costUsd: end.usage?.costUsd?.toString() ?? null,
    })
    .where(eq(agents.id, agentId));
}

export async function recordAgentPid(db: Db, agentId: string, pid: number): Promise<void> {
  await db.update(agents).set({ pid }).where(eq(agents.id, agentId));
}
