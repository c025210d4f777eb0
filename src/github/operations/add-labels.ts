/** Puts labels on an issue (GitHub keeps the ones it has: adding is idempotent). */
import type { AddLabelsIntent } from "../../core/intents.js";
import type { AppOctokit } from "../octokit.js";

export async function addLabels(octokit: AppOctokit, intent: AddLabelsIntent): Promise<void> {
  const { owner, repo } = intent.repo;
  await octokit.rest.issues.addLabels({ owner, repo, issue_number: intent.issueNumber, labels: intent.labels });
}
