/** pull_request: keep the app's pull requests mirrored (head, draft, closed, merged) and converge. */
import type { Context } from "probot";
import { syncPullRequest } from "../core/commands/sync-pull-request.js";
import { pullRequestFactsOf } from "../core/pull-request-facts.js";
import type { Services } from "../services.js";
import { projectFor } from "./project-for.js";

export function onPullRequest(services: Services) {
  return async (context: Context<"pull_request">): Promise<void> => {
    const { payload } = context;
    const project = await projectFor(services, payload);
    const changed = await syncPullRequest(services.database.db, project, pullRequestFactsOf(payload.pull_request));
    if (changed) services.wakeOutbox();
  };
}
