/**
 * The Probot app: routing only. Each route names the webhook it handles and the handler that
 * turns the payload into a core command. The intake consults the same table to tell handled
 * events from ignored ones before anything is processed.
 */
import type { ApplicationFunction, Context, Probot } from "probot";
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

type Handler = (context: Context) => Promise<void>;
/** The names of GitHub's webhook events, as Probot types them. */
type EventName = Extract<Parameters<Probot["on"]>[0], string>;

/** Each webhook the app handles, and the handler that turns its payload into core commands. */
const routes = {
  installation: onInstallation,
  installation_repositories: onInstallationRepositories,
  milestone: onMilestone,
  issues: onIssues,
  issue_comment: onIssueComment,
  sub_issues: onSubIssues,
  issue_dependencies: onIssueDependencies,
  pull_request: onPullRequest,
  pull_request_review: onPullRequestReview,
  check_suite: onCheckSuite,
  // Project boards: people's moves of cards (see webhooks/projects-v2-item.ts).
  projects_v2_item: onProjectsV2Item,
} satisfies { [E in EventName]?: (services: Services) => (context: Context<E>) => Promise<void> };

type RoutedEvent = keyof typeof routes;

function isRouted(event: string): event is RoutedEvent {
  return Object.hasOwn(routes, event);
}

export function isHandledEvent(event: string, _action?: string): boolean {
  return isRouted(event);
}

/**
 * The handler of `event`, working with `services`: the processor calls it with the services of a
 * batch (its transaction) rather than going through Probot's receive (see intake/processor.ts).
 */
export function handlerFor(event: string, services: Services): Handler | undefined {
  if (!isRouted(event)) return undefined;
  // Each handler reads the payload of its own event, which the route's key names.
  return routes[event](services) as Handler;
}

export function codewalkersApp(services: Services): ApplicationFunction {
  return (app) => {
    for (const event of Object.keys(routes) as RoutedEvent[]) {
      app.on(event, routes[event](services) as Handler);
    }
  };
}
