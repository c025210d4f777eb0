/** sub_issues: a phase's tasks are its sub-issues; a task's sub-issues are its decomposition. */
import type { Context } from "probot";
import { removeLink, upsertLink } from "../db/issue-links.js";
import { refreshParent } from "../core/commands/sync-issue.js";
import type { Services } from "../services.js";
import { projectFor } from "./project-for.js";
import { projectTransaction } from "../core/commands/project-transaction.js";

export function onSubIssues(services: Services) {
  return async (context: Context<"sub_issues">): Promise<void> => {
    const { payload } = context;
    const project = await projectFor(services, payload);
    const parent = payload.parent_issue;
    const child = payload.sub_issue;
    if (!child) return;
    // Both ends must be in this repository for the link to mean anything here.
    const childRepo = ("sub_issue_repo" in payload && payload.sub_issue_repo?.full_name) || project.name;
    if (!sameRepo(parent.repository_url, project.name)) return;
    const added = payload.action === "sub_issue_added" || payload.action === "parent_issue_added";
    await projectTransaction(services.database.db, project.id, async (tx) => {
      if (added) {
        await upsertLink(tx, project.id, "sub_issue", "native", parent.number, {
          toRepo: childRepo,
          toNumber: child.number,
          toIssueId: child.id,
          toState: child.state === "closed" ? "closed" : "open",
          verified: true,
        });
      } else {
        await removeLink(tx, project.id, "sub_issue", "native", parent.number, childRepo, child.number);
      }
      if (childRepo.toLowerCase() === project.name.toLowerCase()) await refreshParent(tx, project, child.number);
    });
    services.wakeOutbox();
  };
}

function sameRepo(repositoryUrl: string | undefined, fullName: string): boolean {
  return (repositoryUrl ?? "").toLowerCase().endsWith(`/repos/${fullName.toLowerCase()}`);
}
