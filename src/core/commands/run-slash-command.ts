/**
 * A writer's `/cw …` command on an issue, as one transaction; returns the reply to post.
 */
import { and, desc, eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { agents, changeSets, tasks } from "../../db/schema.js";
import { describeTask } from "../describe-task.js";
import type { IssueFacts } from "../issue-facts.js";
import type { RepoConfig } from "../repo-config.js";
import { renderHelp, type SlashCommand } from "../slash-commands.js";
import { takeOwedReconcile } from "./deferred-reconcile.js";
import { reconcileTasksNow } from "./reconcile-tasks.js";
import { steerTask } from "./steer-task.js";
import { personWaitOf } from "./person-wait.js";
import { syncIssueIn } from "./sync-issue.js";
import { projectTransaction } from "./project-transaction.js";
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
    // The answer reports state: earlier events of this batch are converged first.
    if (command.name === "status" && takeOwedReconcile(project.id)) await reconcileTasksNow(tx, project.id);
    const [task] = await tx
      .select()
      .from(tasks)
      .where(and(eq(tasks.projectId, project.id), eq(tasks.issueNumber, issue.number)));

    switch (command.name) {
      case "help":
        return renderHelp();
      case "unknown":
        return renderHelp(command.line);
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
        if (!task) return `There is no Codewalkers task on this issue. Add the \`${input.config.triggerLabel}\` label or say \`/cw run\`.`;
        const result = await steerTask(tx, task, command.name, by);
        if (result.refusal) return `Nothing to ${command.name}: ${result.refusal}.`;
        if (result.reply) return result.reply;
        return { stop: "Stopped: this task is no longer scheduled.", retry: "Retrying: the task is scheduled again.", approve: "Approved: the task may start when nothing blocks it." }[command.name];
      }
      case "status": {
        if (!task) return `There is no Codewalkers task on this issue. Add the \`${input.config.triggerLabel}\` label or say \`/cw run\`.`;
        const [agent] = await tx
          .select()
          .from(agents)
          .where(eq(agents.taskId, task.id))
          .orderBy(desc(agents.createdAt))
          .limit(1);
        return describeTask({
          issueNumber: task.issueNumber ?? issue.number,
          status: task.status,
          blockedReason: task.blockedReason,
          wait: (await personWaitOf(tx, task)).wait,
          inReview: false,
          agent: agent ? { name: agent.name, status: agent.status, startedAt: agent.startedAt } : null,
          branch: task.branch,
          lastError: task.lastError,
          retryCount: task.retryCount,
        });
      }
      case "revert": {
        const id = command.args[0] ?? "";
        const [changeSet] = await tx.select().from(changeSets).where(eq(changeSets.id, id));
        if (!changeSet) return `There is no change set \`${id}\`.`;
        return `Change set \`${id}\` cannot be reverted yet: reverting plan and detail changes comes with the planning agents.`;
      }
    }
  });
}
