/**
 * The answer to `/cw status` on an issue or on one of the app's pull requests: what the task is
 * at, who works on it, what it waits for, what it cost. It reads only what the answer shows,
 * with statements built once (see db/prepared.ts). It reports what is stored: asked while a
 * reconcile is owed, it is answered by that reconcile (command-replies.ts).
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { statement } from "../../db/prepared.js";
import { agents, tasks } from "../../db/schema.js";
import { describeTask } from "../describe-task.js";
import { usageByTask } from "./usage-by-task.js";
import { pullRequestStatus } from "./pull-request-status.js";
import { personWaitOf } from "./person-wait.js";
import { personWait } from "../checkpoints.js";
import type { ProjectRow } from "./project-repo.js";
import type { ReconcileContext } from "./reconcile-project.js";

export interface StatusQuestion {
  project: ProjectRow;
  issueNumber: number;
  isPullRequest: boolean;
  /** The repository's trigger label, named in the answer when the issue has no task. */
  triggerLabel: string;
}

export async function statusReply(tx: Tx, question: StatusQuestion): Promise<string> {
  const [task] = await selectStatusTask(tx, { projectId: question.project.id, issueNumber: question.issueNumber });
  if (!task && question.isPullRequest) {
    // One of the app's pull requests: what it merges, how far its work is, why it has not merged.
    const pr = await pullRequestStatus(tx, question.project, question.issueNumber);
    if (pr) return pr;
  }
  if (!task) return noTaskReply(question.triggerLabel);
  const [[agent], { wait }, usage] = await Promise.all([selectLatestAgent(tx, { taskId: task.id }), personWaitOf(tx, task), usageByTask(tx, [task.id])]);
  return describeTask({
    issueNumber: task.issueNumber ?? question.issueNumber,
    status: task.status,
    blockedReason: task.blockedReason,
    wait,
    inReview: false,
    agent: agent ?? null,
    branch: task.branch,
    lastError: task.lastError,
    retryCount: task.retryCount,
    usage: usage.get(task.id) ?? null,
  });
}

/**
 * The answers to the `/cw status` questions a reconcile owes, from the tasks and usage it holds
 * (their statuses as it settled them): one read for all of them (each task's latest agent, and
 * whether one waits for answers), not three per question. A question with no task in the
 * reconcile's hands (a pull request, an issue with no task) is answered as one alone.
 */
export async function statusRepliesOf(
  tx: Tx,
  ctx: Pick<ReconcileContext, "project" | "tasks" | "usage">,
  questions: readonly StatusQuestion[],
): Promise<string[]> {
  const byIssue = new Map(ctx.tasks.filter((t) => t.issueNumber !== null).map((t) => [t.issueNumber!, t]));
  const asked = [...new Set(questions.map((q) => byIssue.get(q.issueNumber)?.id).filter((id) => id !== undefined))];
  const latest = new Map((await latestAgents(tx, asked)).map((a) => [a.taskId, a]));
  return Promise.all(
    questions.map((question) => {
      const task = byIssue.get(question.issueNumber);
      if (!task) return statusReply(tx, question);
      const agent = latest.get(task.id);
      const wait = personWait({ type: task.type, status: task.status, claimed: task.claimedBy !== null, agentWaiting: agent?.waiting ?? false });
      return describeTask({
        issueNumber: question.issueNumber,
        status: task.status,
        blockedReason: task.blockedReason,
        wait,
        inReview: false,
        agent: agent ? { name: agent.name, status: agent.status, startedAt: agent.startedAt } : null,
        branch: task.branch,
        lastError: task.lastError,
        retryCount: task.retryCount,
        usage: ctx.usage.get(task.id) ?? null,
      });
    }),
  );
}

/** Each task's latest agent, and whether any of its agents waits for answers (personWaitOf's question). */
async function latestAgents(tx: Tx, taskIds: readonly string[]) {
  if (taskIds.length === 0) return [];
  return tx
    .selectDistinctOn([agents.taskId], {
      taskId: agents.taskId,
      name: agents.name,
      status: agents.status,
      startedAt: agents.startedAt,
      waiting: sql<boolean>`bool_or(${agents.status} = 'waiting_for_input') over (partition by ${agents.taskId})`,
    })
    .from(agents)
    .where(inArray(agents.taskId, [...taskIds]))
    .orderBy(agents.taskId, desc(agents.createdAt));
}

export function noTaskReply(triggerLabel: string): string {
  return `There is no Codewalkers task on this issue. Add the \`${triggerLabel}\` label or say \`/cw run\`.`;
}

const STATUS_TASK = {
  id: tasks.id,
  issueNumber: tasks.issueNumber,
  status: tasks.status,
  type: tasks.type,
  claimedBy: tasks.claimedBy,
  blockedReason: tasks.blockedReason,
  branch: tasks.branch,
  lastError: tasks.lastError,
  retryCount: tasks.retryCount,
};
type TaskRow = typeof tasks.$inferSelect;

const selectStatusTask = statement<{ projectId: string; issueNumber: number }, Pick<TaskRow, keyof typeof STATUS_TASK>[]>("status_task", (db) =>
  db
    .select(STATUS_TASK)
    .from(tasks)
    .where(and(eq(tasks.projectId, sql.placeholder("projectId")), eq(tasks.issueNumber, sql.placeholder("issueNumber")))),
);

const selectLatestAgent = statement<{ taskId: string }, Pick<typeof agents.$inferSelect, "name" | "status" | "startedAt">[]>("status_agent", (db) =>
  db
    .select({ name: agents.name, status: agents.status, startedAt: agents.startedAt })
    .from(agents)
    .where(eq(agents.taskId, sql.placeholder("taskId")))
    .orderBy(desc(agents.createdAt))
    .limit(1),
);
