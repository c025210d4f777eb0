/**
 * Opens the issue of a task the app made (a verify's fix task): once, in the milestone, with the
 * trigger label, as a sub-issue of its phase; then records the issue on the task, which the
 * reconcile takes up like any other. A retry first looks for the issue an earlier attempt may
 * have opened (its marker), so it is never opened twice.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { tasks } from "../../db/schema.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import { commentMarker, type OpenTaskIssueIntent } from "../../core/intents.js";
import { upsertLink } from "../../db/issue-links.js";
import type { AppOctokit } from "../octokit.js";

export async function openTaskIssue(octokit: AppOctokit, intent: OpenTaskIssueIntent, db: Db, options: { isRetry: boolean }): Promise<void> {
  const { owner, repo } = intent.repo;
  const [task] = await db.select().from(tasks).where(eq(tasks.id, intent.taskId));
  // Gone (its verify was reverted, the project removed) or recorded already: nothing to open.
  if (!task || task.issueNumber !== null || !task.projectId) return;
  const marker = commentMarker(`task:${intent.taskId}`);
  type Issue = { id: number; number: number; node_id: string; labels: (string | { name?: string })[] };
  let issue: Issue | undefined;
  if (options.isRetry) {
    const open = await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      state: "all",
      ...(intent.milestoneNumber !== null ? { milestone: String(intent.milestoneNumber) } : {}),
      per_page: 100,
    });
    issue = open.find((i) => (i.body ?? "").includes(marker));
  }
  if (!issue) {
    issue = (
      await octokit.rest.issues.create({
        owner,
        repo,
        title: intent.title,
        body: `${marker}\n${intent.body}`,
        labels: intent.labels,
        ...(intent.milestoneNumber !== null ? { milestone: intent.milestoneNumber } : {}),
      })
    ).data;
  }
  if (intent.parentIssueNumber !== null) {
    try {
      await octokit.rest.issues.addSubIssue({ owner, repo, issue_number: intent.parentIssueNumber, sub_issue_id: issue.id });
    } catch (error) {
      // Already its sub-issue (an earlier attempt got this far): GitHub answers 422.
      if ((error as { status?: number }).status !== 422) throw error;
    }
  }
  const created = issue;
  const labels = created.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean);
  await db.transaction(async (tx) => {
    // What GitHub now says: the link makes the task its phase's at once, whatever order the webhooks come in.
    if (intent.parentIssueNumber !== null) {
      await upsertLink(tx, task.projectId!, "sub_issue", "native", intent.parentIssueNumber, {
        toRepo: `${owner}/${repo}`,
        toNumber: created.number,
        toIssueId: created.id,
        toState: "open",
        verified: true,
      });
    }
    await tx
      .update(tasks)
      .set({ issueNumber: created.number, issueId: created.id, issueNodeId: created.node_id, labels, status: "pending", blockedReason: null })
      .where(and(eq(tasks.id, task.id), isNull(tasks.issueNumber), eq(tasks.status, "blocked")));
    await markReconcileDue(tx, task.projectId!);
  });
}
