/** pull_request: keep the app's pull requests mirrored (head, draft, closed, merged) and converge. */
import type { Context } from "probot";
import { syncPullRequest } from "../core/commands/sync-pull-request.js";
import type { Services } from "../services.js";
import { projectFor } from "./project-for.js";

export function onPullRequest(services: Services) {
  return async (context: Context<"pull_request">): Promise<void> => {
    const { payload } = context;
    const project = await projectFor(services, payload);
    const pr = payload.pull_request;
    const changed = await syncPullRequest(services.database.db, project, {
      number: pr.number,
      nodeId: pr.node_id,
      head: pr.head.ref,
      base: pr.base.ref,
      headSha: pr.head.sha,
      state: pr.state === "closed" ? "closed" : "open",
      draft: pr.draft ?? false,
      merged: pr.merged === true,
      mergedSha: pr.merge_commit_sha ?? null,
      autoMergeByBot: pr.auto_merge?.enabled_by?.type === "Bot",
    });
    if (changed) services.wakeOutbox();
  };
}
