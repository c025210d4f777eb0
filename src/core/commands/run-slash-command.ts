/**
 * A writer's `/cw …` command on an issue, as one transaction; returns the reply to post.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { tasks } from "../../db/schema.js";
import { applyCommand, revertCommand } from "./change-set-commands.js";
import { describeLog, LOG_REPLY_LINES } from "../describe-log.js";
import { taskLog } from "./task-log.js";
import type { IssueFacts } from "../issue-facts.js";
import type { RepoConfig } from "../repo-config.js";
import { renderHelp, type SlashCommand } from "../slash-commands.js";
import { planReconcileOwed } from "../../db/reconcile-due.js";
import { noTaskReply, statusReply } from "./status-reply.js";
import { steerTask } from "./steer-task.js";
import { steerPullRequestWork } from "./steer-pull-request-work.js";
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

/**
 * Runs the command; returns its reply, or `null` for a `/cw status` asked while a reconcile is
 * owed: the answer reports state, so that reconcile gives it (command-replies.ts).
 */
export async function runSlashCommand(db: Db, input: SlashCommandInput): Promise<string | null> {
  const { project, issue, command, by } = input;
  return projectTransaction(db, project.id, async (tx) => {
    switch (command.name) {
      case "help":
        return renderHelp();
      case "unknown":
        return renderHelp(command.line);
      case "status":
        if (await planReconcileOwed(tx, project.id)) return null;
        return statusReply(tx, { project, issueNumber: issue.number, isPullRequest: issue.isPullRequest, triggerLabel: input.config.triggerLabel });
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
  return noTaskReply(input.config.triggerLabel);
}
