/** Closing what the work finished: task issues after their phase merged, the milestone at the end. */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { phases, tasks } from "../../db/schema.js";
import type { CloseIssueIntent, CloseMilestoneIntent } from "../../core/intents.js";
import type { AppOctokit } from "../octokit.js";
import { projectIdOf } from "../pull-request-store.js";

export async function closeIssue(octokit: AppOctokit, intent: CloseIssueIntent, db: Db): Promise<void> {
  const { owner, repo } = intent.repo;
  await octokit.rest.issues.update({ owner, repo, issue_number: intent.issueNumber, state: "closed", state_reason: "completed" });
  // Known closed at once, so a reconcile before GitHub's "closed" webhook does not close it again.
  const projectId = await projectIdOf(db, intent.repo);
  for (const table of [tasks, phases] as const) {
    await db
      .update(table)
      .set({ issueState: "closed" })
      .where(and(eq(table.projectId, projectId), eq(table.issueNumber, intent.issueNumber)));
  }
}

export async function closeMilestone(octokit: AppOctokit, intent: CloseMilestoneIntent): Promise<void> {
  const { owner, repo } = intent.repo;
  await octokit.rest.issues.updateMilestone({ owner, repo, milestone_number: intent.milestoneNumber, state: "closed" });
}
