/**
 * issue_comment: `/cw …` commands from writers. Anyone else gets one polite reply; the app's
 * own comments (which quote commands in their help text) are never read as commands.
 */
import type { Context } from "probot";
import { issueFactsOf } from "../core/issue-facts.js";
import { parseSlashCommands } from "../core/slash-commands.js";
import { runSlashCommand } from "../core/commands/run-slash-command.js";
import { repoRefOf } from "../core/commands/project-repo.js";
import { recordIntents } from "../github/outbox-queue.js";
import type { Services } from "../services.js";
import { authorize, isFromThisApp } from "./authorize.js";
import { projectFor } from "./project-for.js";
import { reportInvalidConfig } from "./report-invalid-config.js";

export const REPLY_MARKER = "reply";

export function onIssueComment(services: Services) {
  return async (context: Context<"issue_comment">): Promise<void> => {
    const { payload } = context;
    if (payload.action !== "created") return;
    if (isFromThisApp(payload.sender, services.appId, payload.comment)) return;
    const commands = parseSlashCommands(payload.comment.body);
    if (commands.length === 0) return;

    const project = await projectFor(services, payload);
    const issue = issueFactsOf(payload.issue);
    const configResult = await services.repoConfig.load(context);
    if (!configResult.ok) return reportInvalidConfig(services, project, issue.number, configResult.error);
    if (!(await authorize(services, context, project, issue.number, payload.sender, "use `/cw` commands"))) return;

    const replies: string[] = [];
    for (const command of commands) {
      const reply = await runSlashCommand(services.database.db, {
        project,
        issue,
        config: configResult.config,
        command,
        by: payload.sender.login,
      });
      replies.push(`> ${command.line.trim()}\n\n${reply}`);
    }
    await recordIntents(services.database.db, [
      {
        kind: "upsert-comment",
        repo: repoRefOf(project),
        issueNumber: issue.number,
        marker: REPLY_MARKER,
        body: `@${payload.sender.login}\n\n${replies.join("\n\n---\n\n")}`,
      },
    ]);
    services.wakeOutbox();
  };
}
