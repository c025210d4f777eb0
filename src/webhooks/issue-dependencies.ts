/**
 * issue_dependencies: GitHub's native "blocked by". The link is kept in the blocked issue's
 * repository; GitHub tells each side's repository, so the other side's event is ignored here.
 */
import type { Context } from "probot";
import { removeLink, upsertLink } from "../db/issue-links.js";
import { markReconcileDue } from "../db/reconcile-due.js";
import type { Services } from "../services.js";
import { projectFor } from "./project-for.js";
import { projectTransaction } from "../core/commands/project-transaction.js";

export function onIssueDependencies(services: Services) {
  return async (context: Context<"issue_dependencies">): Promise<void> => {
    const { payload } = context;
    const project = await projectFor(services, payload);
    const blocked = payload.blocked_issue;
    const blocking = payload.blocking_issue;
    if (!blocked || !blocking) return;
    const blockedRepo = ("blocked_issue_repo" in payload && payload.blocked_issue_repo?.full_name) || project.name;
    const blockingRepo = ("blocking_issue_repo" in payload && payload.blocking_issue_repo?.full_name) || project.name;
    if (blockedRepo.toLowerCase() !== project.name.toLowerCase()) return;

    const added = payload.action === "blocked_by_added" || payload.action === "blocking_added";
    await projectTransaction(services.database.db, project.id, async (tx) => {
      if (added) {
        await upsertLink(tx, project.id, "blocked_by", "native", blocked.number, {
          toRepo: blockingRepo,
          toNumber: blocking.number,
          toIssueId: blocking.id,
          toState: blocking.state === "closed" ? "closed" : "open",
          verified: true,
        });
      } else {
        await removeLink(tx, project.id, "blocked_by", "native", blocked.number, blockingRepo, blocking.number);
      }
      await markReconcileDue(tx, project.id);
    });
    services.wakeOutbox();
  };
}
