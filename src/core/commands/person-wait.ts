/** What a task waits for from a person, read from its row and its agents (see core/checkpoints.ts). */
import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { agents, type tasks } from "../../db/schema.js";
import { statement } from "../../db/prepared.js";
import { personWait, type PersonWait } from "../checkpoints.js";

export interface TaskWait {
  wait: PersonWait | null;
  /** The agent waiting for answers to its questions, if any. */
  agent: typeof agents.$inferSelect | undefined;
}

export async function personWaitOf(tx: DbOrTx, task: Pick<typeof tasks.$inferSelect, "id" | "type" | "status" | "claimedBy">): Promise<TaskWait> {
  const [agent] = await selectWaitingAgent(tx, { taskId: task.id });
  const wait = personWait({ type: task.type, status: task.status, claimed: task.claimedBy !== null, agentWaiting: agent !== undefined });
  return { wait, agent: wait === "answers" ? agent : undefined };
}

// Every `/cw status` reads it: built once (see db/prepared.ts).
const selectWaitingAgent = statement<{ taskId: string }, (typeof agents.$inferSelect)[]>("waiting_agent", (db) =>
  db
    .select()
    .from(agents)
    .where(and(eq(agents.taskId, sql.placeholder("taskId")), eq(agents.status, "waiting_for_input")))
    .limit(1),
);
