/**
 * check_suite: a suite that passed on a head may be what a waiting merge needed. Merges GitHub
 * refused for now, on that exact approved head, are tried again (`retryWaitingMerges`); where
 * auto-merge or the merge queue took the pull request, GitHub merges it by itself and the
 * retry finds it merged. Anything else about checks is GitHub's business.
 */
import type { Context } from "probot";
import { retryWaitingMerges } from "../core/commands/sync-pull-request.js";
import type { Services } from "../services.js";
import { projectFor } from "./project-for.js";

export function onCheckSuite(services: Services) {
  return async (context: Context<"check_suite">): Promise<void> => {
    const { payload } = context;
    if (payload.action !== "completed" || payload.check_suite.conclusion !== "success") return;
    const project = await projectFor(services, payload);
    const queued = await retryWaitingMerges(services.database.db, project, payload.check_suite.head_sha);
    if (queued > 0) services.wakeOutbox();
  };
}
