/**
 * Assigns people to an issue (a human-action checkpoint's person). Adding is idempotent on
 * GitHub: someone already assigned stays assigned, and other assignees are left alone.
 */
import type { AddAssigneesIntent } from "../../core/intents.js";
import type { AppOctokit } from "../octokit.js";

export async function addAssignees(octokit: AppOctokit, intent: AddAssigneesIntent): Promise<void> {
  const { owner, repo } = intent.repo;
  await octokit.rest.issues.addAssignees({ owner, repo, issue_number: intent.issueNumber, assignees: intent.assignees });
}
