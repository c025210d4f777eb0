/**
 * The answer to `/cw status` on an issue or on one of the app's pull requests: what the task is
 * at, who works on it, what it waits for, what it cost. It reads only what the answer shows: the
 * task (a statement built once, see db/prepared.ts), then its latest agent and its usage side by
 * side. It reports what is stored: asked while a reconcile is owed, it is answered by that
 * reconcile (command-replies.ts), for all its questions at once.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { statement } from "../../db/prepared.js";
import { agents, tasks } from "../../db/schema.js";
import { describeTask } from "../describe-task.js";
import { usageByTask } from "./usage-by-task.js";
import type { UsageTotals } from "../usage-totals.js";
import { pullRequestStatus } from "./pull-request-status.js";
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
  const [latest, usage] = await Promise.all([latestAgents(tx, [task.id]), usageByTask(tx, [task.id])]);
  return describeStatus(task, question.issueNumber, latest.get(task.id), usage.get(task.id));
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
  const latest = await latestAgents(tx, asked);
  return Promise.all(
    questions.map((question) => {
      const task = byIssue.get(question.issueNumber);
      return task ? describeStatus(task, question.issueNumber, latest.get(task.id), ctx.usage.get(task.id)) : statusReply(tx, question);
    }),
  );
}

type StatusTask = Pick<TaskRow, keyof typeof STATUS_TASK>;
type LatestAgent = Pick<typeof agents.$inferSelect, "name" | "status" | "startedAt"> & { waiting: boolean };

/** The answer for a task, from its row, its latest agent and its usage (both paths above). */
function describeStatus(task: StatusTask, issueNumber: number, agent: LatestAgent | undefined, usage: UsageTotals | undefined): string {
  return describeTask({
    issueNumber: task.issueNumber ?? issueNumber,
    status: task.status,
    blockedReason: task.blockedReason,
    wait: personWait({ type: task.type, status: task.status, claimed: task.claimedBy !== null, agentWaiting: agent?.waiting ?? false }),
    inReview: false,
    agent: agent ? { name: agent.name, status: agent.status, startedAt: agent.startedAt } : null,
    branch: task.branch,
    lastError: task.lastError,
    retryCount: task.retryCount,
    usage: usage ?? null,
  });
}

/** Each task's latest agent, and whether any of its agents waits for answers (what personWaitOf asks). */
async function latestAgents(tx: Tx, taskIds: readonly string[]): Promise<Map<string, LatestAgent>> {
  if (taskIds.length === 0) return new Map();
  const rows = await tx
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
  return new Map(rows.map(({ taskId, ...agent }) => [taskId!, agent]));
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
