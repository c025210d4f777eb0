/**
 * pull_request_review: an approval by a writer on the current head merges the pull request
 * (guarded by that head). Approvals by the app itself, by people without write access, or of
 * an older commit merge nothing; the latter two are told why.
 */
import type { Context } from "probot";
import { approvePullRequest } from "../core/commands/sync-pull-request.js";
import { repoRefOf } from "../core/commands/project-repo.js";
import { DEFAULT_REPO_CONFIG, type RepoConfig } from "../core/repo-config.js";
import { recordIntents } from "../github/outbox-queue.js";
import type { Services } from "../services.js";
import { authorize } from "./authorize.js";
import { projectFor } from "./project-for.js";

export const STALE_APPROVAL_MARKER = "stale-approval";

export function onPullRequestReview(services: Services) {
  return async (context: Context<"pull_request_review">): Promise<void> => {
    const { payload } = context;
    if (payload.action !== "submitted" || payload.review.state.toLowerCase() !== "approved") return;
    if (payload.sender.type === "Bot") return;
    const project = await projectFor(services, payload);
    const pr = payload.pull_request;
    if (!(await authorize(services, context, project, pr.number, payload.sender, "approve Codewalkers pull requests"))) return;
    const config = { ...DEFAULT_REPO_CONFIG, ...((project.config ?? {}) as Partial<RepoConfig>) };
    const outcome = await approvePullRequest(services.database.db, project, {
      number: pr.number,
      reviewedSha: payload.review.commit_id,
      headSha: pr.head.sha,
      by: payload.sender.login,
      method: config.mergeMethod,
    });
    if (outcome === "stale") {
      await recordIntents(services.database.db, [
        {
          kind: "upsert-comment",
          repo: repoRefOf(project),
          issueNumber: pr.number,
          marker: STALE_APPROVAL_MARKER,
          body: `@${payload.sender.login} your approval is of ${payload.review.commit_id.slice(0, 7)}, but the head is now ${pr.head.sha.slice(0, 7)}: nothing was merged. Approve the current head to merge it.`,
        },
      ]);
    }
    services.wakeOutbox();
  };
}
