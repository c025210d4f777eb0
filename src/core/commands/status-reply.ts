/**
 * The answer to `/cw status` on an issue or on one of the app's pull requests: what the task is
 * at, who works on it, what it waits for, what it cost. It reads only what the answer shows,
 * with statements built once (see db/prepared.ts). It reports what is stored: asked while a
 * reconcile is owed, it is answered by that reconcile (command-replies.ts).
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { statement } from "../../db/prepared.js";
import { agents, tasks } from "../../db/schema.js";
import { describeTask } from "../describe-task.js";
import { usageByTask } from "./usage-by-task.js";
import { pullRequestStatus } from "./pull-request-status.js";
import { personWaitOf } from "./person-wait.js";
import type { ProjectRow } from "./project-repo.js";

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
