/**
 * issues: every action re-reads the issue from the payload and converges the model on it.
 */
import type { Context } from "probot";
import { and, eq, sql } from "drizzle-orm";
import { tasks } from "../db/schema.js";
import { statement } from "../db/prepared.js";
import { issueFactsOf, type IssueFacts } from "../core/issue-facts.js";
import { syncIssue } from "../core/commands/sync-issue.js";
import { issueGone, issueTransferred } from "../core/commands/issue-gone.js";
import type { Services } from "../services.js";
import { PHASE_LABEL } from "../core/labels.js";
import { authorize, isFromThisApp, isWriter } from "./authorize.js";
import { bodyRefsOf } from "./body-links.js";
import { projectFor, rememberConfig } from "./project-for.js";
import { reportInvalidConfig } from "./report-invalid-config.js";

type IssuesContext = Context<"issues">;

export function onIssues(services: Services) {
  return async (context: IssuesContext): Promise<void> => {
    const { payload } = context;
    const project = await projectFor(services, payload);
    const db = services.database.db;

    if (payload.action === "deleted") {
      await issueGone(db, project, payload.issue.number);
      return services.wakeOutbox();
    }
    if (payload.action === "transferred") {
      const { new_issue, new_repository } = payload.changes;
      await issueTransferred(db, project, payload.issue.number, {
        repo: new_repository.full_name,
        number: new_issue.number,
        state: new_issue.state === "closed" ? "closed" : "open",
      });
      return services.wakeOutbox();
    }

    const issue = issueFactsOf(payload.issue);
    const fromApp = isFromThisApp(payload.sender, services.appId, payload.issue);
    const configResult = await services.repoConfig.load(context);
    const trigger = configResult.ok ? configResult.config.triggerLabel : undefined;
    const textEdited = payload.action === "edited" && (payload.changes.body !== undefined || payload.changes.title !== undefined);
    // A phase's text reaches every agent of the phase: it counts when a writer made the issue a
    // phase (opened or labelled it so) or edited it, never when a triager labelled a reader's issue.
    const phaseByPerson =
      issue.labels.includes(PHASE_LABEL) && (payload.action === "opened" || (payload.action === "labeled" && payload.label?.name === PHASE_LABEL));
    // Whether the issue is a task matters here for a reopen or a broken config only (for an
    // edit, the sync finds it out with what it reads: "if-task" below).
    const needsTask = payload.action === "reopened" || !configResult.ok;
    const [task] = needsTask ? await selectTaskId(db, { projectId: project.id, issueNumber: issue.number }) : [];

    const asksToStart = !fromApp && trigger !== undefined && isStartRequest(payload, issue, trigger, Boolean(task));
    if (!configResult.ok) {
      // An invalid config stops every action; the people who asked for one are told why.
      if (asksToStart || task || issue.labels.some((l) => l.startsWith("cw:"))) {
        await reportInvalidConfig(services, project, issue.number, configResult.error);
      }
      return;
    }
    const config = configResult.config;
    const configured = await rememberConfig(services, project, config);

    const startedBy =
      asksToStart && (await authorize(services, context, project, issue.number, payload.sender, `start work on this issue`)) ? payload.sender.login : null;
    // Text that agents will read (title and body) must come from a writer: anyone else's is ignored.
    const byWriter = async () => !fromApp && (await isWriter(services, context, project, payload.sender)).allowed;
    const writerEdit = textEdited && (await byWriter());
    const trusted = startedBy !== null || (((textEdited && issue.labels.includes(PHASE_LABEL)) || phaseByPerson) && (await byWriter()));
    // A writer's edit counts too if the issue is a task, which the sync reads with the rest.
    const trustBody = trusted ? true : writerEdit ? "if-task" : false;

    await syncIssue(db, {
      project: configured,
      issue,
      config,
      startedBy,
      stopRequested: payload.action === "unlabeled" && payload.label?.name === config.triggerLabel,
      trustBody,
      writerEdit,
      bodyLinks: trustBody !== false ? bodyRefsOf(project, issue) : null,
      actor: payload.sender.login,
      // A person's own label change is applied; the app's echoes of its writes are known already.
      statusLabels: fromApp ? "stored" : labelChange(payload),
    });
    services.wakeOutbox();
  };
}

const selectTaskId = statement<{ projectId: string; issueNumber: number }, { id: string }[]>("issue_task_id", (db) =>
  db
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.projectId, sql.placeholder("projectId")), eq(tasks.issueNumber, sql.placeholder("issueNumber")))),
);

/** The trigger label was put on the issue just now, or the issue was (re)opened with it. */
function isStartRequest(payload: IssuesContext["payload"], issue: IssueFacts, trigger: string, hasTask: boolean): boolean {
  switch (payload.action) {
    case "labeled":
      return payload.label?.name === trigger;
    case "opened":
      return issue.labels.includes(trigger);
    case "reopened":
      return hasTask && issue.labels.includes(trigger);
    default:
      return false;
  }
}

function labelChange(payload: IssuesContext["payload"]): { added?: string; removed?: string } | "stored" {
  const name = "label" in payload ? payload.label?.name : undefined;
  if (!name) return "stored";
  if (payload.action === "labeled") return { added: name };
  if (payload.action === "unlabeled") return { removed: name };
  return "stored";
}
