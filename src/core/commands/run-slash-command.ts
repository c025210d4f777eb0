/**
 * A writer's `/cw …` command on an issue, as one transaction; returns the reply to post.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { Db, Tx } from "../../db/client.js";
import { statement } from "../../db/prepared.js";
import { agents, tasks } from "../../db/schema.js";
import { applyCommand, revertCommand } from "./change-set-commands.js";
import { describeTask } from "../describe-task.js";
import { describeLog, LOG_REPLY_LINES } from "../describe-log.js";
import { taskLog } from "./task-log.js";
import { usageByTask } from "./usage-by-task.js";
import type { IssueFacts } from "../issue-facts.js";
import type { RepoConfig } from "../repo-config.js";
import { renderHelp, type SlashCommand } from "../slash-commands.js";
import { reconcileIfDue } from "./reconcile-project.js";
import { steerTask } from "./steer-task.js";
import { steerPullRequestWork } from "./steer-pull-request-work.js";
import { pullRequestStatus } from "./pull-request-status.js";
import { personWaitOf } from "./person-wait.js";
import { syncIssueIn } from "./sync-issue.js";
import { projectTransaction } from "./project-transaction.js";
import { endorseAgentReview } from "./endorse-agent-review.js";
import type { ProjectRow } from "./project-repo.js";

export interface SlashCommandInput {
  project: ProjectRow;
  issue: IssueFacts;
  config: RepoConfig;
  command: SlashCommand;
  by: string;
}

export async function runSlashCommand(db: Db, input: SlashCommandInput): Promise<string> {
  const { project, issue, command, by } = input;
  return projectTransaction(db, project.id, async (tx) => {
    // The answer reports state: a reconcile still owed for earlier events runs first.
    if (command.name === "status") await reconcileIfDue(tx, project.id);
    switch (command.name) {
      case "help":
        return renderHelp();
      case "unknown":
        return renderHelp(command.line);
      case "status":
        return statusOf(tx, input);
      case "apply":
        return applyCommand(tx, project, issue, command.args[0] ?? "", by);
      case "revert":
        return revertCommand(tx, project, issue, command.args[0], by);
    }
    const [task] = await tx
      .select()
      .from(tasks)
      .where(and(eq(tasks.projectId, project.id), eq(tasks.issueNumber, issue.number)));

    switch (command.name) {
      case "run": {
        if (issue.isPullRequest) return "`/cw run` works on issues, not on pull requests.";
        if (issue.state === "closed") return "This issue is closed: reopen it first.";
        if (task && !["cancelled", "failed"].includes(task.status)) {
          return `Nothing to start: this task ${task.status === "completed" ? "is already done (use `/cw retry` to run it again)" : "is already scheduled"}.`;
        }
        const result = await syncIssueIn(tx, {
          project,
          issue,
          config: input.config,
          startedBy: by,
          stopRequested: false,
          trustBody: true,
          bodyLinks: null,
        });
        return result.started ? "Started: this issue is now a Codewalkers task." : "Nothing to start.";
      }
      case "stop":
      case "retry":
      case "approve": {
        if (!task && issue.isPullRequest && command.name !== "approve") {
          // The refine or branch update at work on one of the app's pull requests.
          const reply = await steerPullRequestWork(tx, project, issue.number, command.name, by);
          if (reply) return reply;
        }
        if (!task) return noTask(input);
        const result = await steerTask(tx, task, command.name, by);
        if (result.refusal) return `Nothing to ${command.name}: ${result.refusal}.`;
        if (result.reply) return result.reply;
        return {
          stop: "Stopped: this task is no longer scheduled.",
          retry: "Retrying: the task is scheduled again.",
          approve: "Approved: the task may start when nothing blocks it.",
        }[command.name];
      }
      case "refine":
        // An agent's review counts only once a writer stands behind it.
        if (!issue.isPullRequest) return "`/cw refine` works on a pull request, where it endorses the review an agent posted.";
        return endorseAgentReview(tx, project, issue.number, by);
      case "log":
        if (!task) return noTask(input);
        return describeLog(await taskLog(tx, task.id, LOG_REPLY_LINES));
    }
  });
}

function noTask(input: SlashCommandInput): string {
  return `There is no Codewalkers task on this issue. Add the \`${input.config.triggerLabel}\` label or say \`/cw run\`.`;
}

/** `/cw status`: reads only what the answer shows, with statements built once (see db/prepared.ts). */
async function statusOf(tx: Tx, input: SlashCommandInput): Promise<string> {
  const [task] = await selectStatusTask(tx, { projectId: input.project.id, issueNumber: input.issue.number });
  if (!task && input.issue.isPullRequest) {
    // One of the app's pull requests: what it merges, how far its work is, why it has not merged.
    const pr = await pullRequestStatus(tx, input.project, input.issue.number);
    if (pr) return pr;
  }
  if (!task) return noTask(input);
  const [[agent], { wait }, usage] = await Promise.all([selectLatestAgent(tx, { taskId: task.id }), personWaitOf(tx, task), usageByTask(tx, [task.id])]);
  return describeTask({
    issueNumber: task.issueNumber ?? input.issue.number,
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
