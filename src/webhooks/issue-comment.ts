/**
 * issue_comment: `/cw …` commands from writers. Anyone else gets one polite reply; the app's
 * own comments (which quote commands in their help text) are never read as commands.
 */
import type { Context } from "probot";
import { issueFactsOf } from "../core/issue-facts.js";
import { parseSlashCommands } from "../core/slash-commands.js";
import { answerSlashCommands } from "../core/commands/command-replies.js";
import { and, eq } from "drizzle-orm";
import { tasks } from "../db/schema.js";
import { answerQuestions } from "../core/commands/answer-questions.js";
import { refineAwaitingAnswer } from "../core/commands/refine-thread.js";
import { sanitizeIssueText } from "../core/sanitize.js";
import type { Project } from "../core/commands/upsert-project.js";
import type { Services } from "../services.js";
import { authorize, isFromThisApp, isWriter } from "./authorize.js";
import { projectFor, rememberConfig } from "./project-for.js";
import { projectTransaction } from "../core/commands/project-transaction.js";
import { reportInvalidConfig } from "./report-invalid-config.js";

/**
 * A comment that is not a command may answer an agent's questions: the next comment by a
 * writer on a task whose agent waits for input (or on the pull request a waiting refine agent
 * works on) resumes that agent with it.
 */
async function maybeAnswer(services: Services, context: Context<"issue_comment">, project: Project): Promise<void> {
  const { payload } = context;
  const db = services.database.db;
  const [byIssue] = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.projectId, project.id), eq(tasks.issueNumber, payload.issue.number)));
  // A refine agent asks on the pull request it refines.
  const task = byIssue ?? (await refineAwaitingAnswer(db, project.id, payload.issue.number));
  if (task?.status !== "in_progress" || task.claimedBy !== null) return;
  if (payload.sender.type === "Bot") return;
  // Only a writer's answer reaches the agent; others' comments are ordinary discussion.
  if (!(await isWriter(services, context, project, payload.sender)).allowed) return;
  const answered = await projectTransaction(db, project.id, (tx) =>
    answerQuestions(tx, task.id, {
      body: sanitizeIssueText(payload.comment.body),
      author: payload.sender.login,
      commentId: payload.comment.id,
    }),
  );
  if (answered) services.wakeOutbox();
}

export function onIssueComment(services: Services) {
  return async (context: Context<"issue_comment">): Promise<void> => {
    const { payload } = context;
    if (payload.action !== "created") return;
    if (isFromThisApp(payload.sender, services.appId, payload.comment)) return;
    const commands = parseSlashCommands(payload.comment.body);
    const project = await projectFor(services, payload);
    if (commands.length === 0) return maybeAnswer(services, context, project);

    const issue = issueFactsOf(payload.issue);
    const configResult = await services.repoConfig.load(context);
    if (!configResult.ok) return reportInvalidConfig(services, project, issue.number, configResult.error);
    await rememberConfig(services, project, configResult.config);
    if (!(await authorize(services, context, project, issue.number, payload.sender, "use `/cw` commands"))) return;

    await answerSlashCommands(services.database.db, { project, issue, config: configResult.config, by: payload.sender.login, commands });
    services.wakeOutbox();
  };
}
