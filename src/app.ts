/**
 * The Probot app: routing only. Each route names the webhook it handles and the handler that
 * turns the payload into a core command. The intake consults the same table to tell handled
 * events from ignored ones before anything is processed.
 */
import type { ApplicationFunction, Probot } from "probot";
import type { Services } from "./services.js";
import { onInstallation, onInstallationRepositories } from "./webhooks/installation.js";
import { onIssues } from "./webhooks/issues.js";
import { onIssueComment } from "./webhooks/issue-comment.js";
import { onMilestone } from "./webhooks/milestone.js";
import { onSubIssues } from "./webhooks/sub-issues.js";
import { onIssueDependencies } from "./webhooks/issue-dependencies.js";
import { onPullRequest } from "./webhooks/pull-request.js";
import { onPullRequestReview } from "./webhooks/pull-request-review.js";
import { onCheckSuite } from "./webhooks/check-suite.js";
import { onProjectsV2Item } from "./webhooks/projects-v2-item.js";

type Route = { event: string; register(app: Probot, services: Services): void };

const routes: Route[] = [
  { event: "installation", register: (app, s) => app.on("installation", onInstallation(s)) },
  {
    event: "installation_repositories",
    register: (app, s) => app.on("installation_repositories", onInstallationRepositories(s)),
  },
  { event: "milestone", register: (app, s) => app.on("milestone", onMilestone(s)) },
  { event: "issues", register: (app, s) => app.on("issues", onIssues(s)) },
  { event: "issue_comment", register: (app, s) => app.on("issue_comment", onIssueComment(s)) },
  { event: "sub_issues", register: (app, s) => app.on("sub_issues", onSubIssues(s)) },
  { event: "issue_dependencies", register: (app, s) => app.on("issue_dependencies", onIssueDependencies(s)) },
  { event: "pull_request", register: (app, s) => app.on("pull_request", onPullRequest(s)) },
  { event: "pull_request_review", register: (app, s) => app.on("pull_request_review", onPullRequestReview(s)) },
  { event: "check_suite", register: (app, s) => app.on("check_suite", onCheckSuite(s)) },
  // Project boards: people's moves of cards (see webhooks/projects-v2-item.ts).
  { event: "projects_v2_item", register: (app, s) => app.on("projects_v2_item", onProjectsV2Item(s)) },
];

const HANDLED_EVENTS = new Set(routes.map((r) => r.event));

export function isHandledEvent(event: string, _action?: string): boolean {
  return HANDLED_EVENTS.has(event);
}

export function codewalkersApp(services: Services): ApplicationFunction {
  return (app) => {
    for (const route of routes) route.register(app, services);
  };
}
