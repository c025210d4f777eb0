/** What a task waits for from a person, read from its row and its agents (see core/checkpoints.ts). */
import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { agents, tasks } from "../../db/schema.js";
import { personWait, type PersonWait } from "../checkpoints.js";

export interface TaskWait {
  wait: PersonWait | null;
  /** The agent waiting for answers to its questions, if any. */
  agent: typeof agents.$inferSelect | undefined;
}

export async function personWaitOf(tx: DbOrTx, task: typeof tasks.$inferSelect): Promise<TaskWait> {
  const [agent] = await tx
    .select()
    .from(agents)
    .where(and(eq(agents.taskId, task.id), eq(agents.status, "waiting_for_input")))
    .limit(1);
  const wait = personWait({ type: task.type, status: task.status, claimed: task.claimedBy !== null, agentWaiting: agent !== undefined });
  return { wait, agent: wait === "answers" ? agent : undefined };
}
