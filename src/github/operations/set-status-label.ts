/**
 * Puts exactly one status label on an issue. The labels the issue carries are known from the
 * webhooks (stored on the task or phase row), so the write is computed without reading the
 * issue, and nothing is sent when the issue already has the right label.
 */
import { ALL_STATUS_LABELS } from "../../core/labels.js";
import type { SetStatusLabelIntent } from "../../core/intents.js";
import type { AppOctokit } from "../octokit.js";
import type { IssueLabelStore } from "../issue-label-store.js";

export async function setStatusLabel(octokit: AppOctokit, intent: SetStatusLabelIntent, labels: IssueLabelStore): Promise<void> {
  const { owner, repo } = intent.repo;
  const current = await labels.get(intent.repo, intent.issueNumber);
  const isStale = (l: string) => (ALL_STATUS_LABELS as readonly string[]).includes(l) && l !== intent.label;
  const missing = intent.label !== null && !current.includes(intent.label);
  let next = current;
  if (missing) {
    const { data } = await octokit.rest.issues.addLabels({
      owner,
      repo,
      issue_number: intent.issueNumber,
      labels: [intent.label!],
    });
    // GitHub answers with every label the issue carries now: what to remove is decided from
    // that, not from what was stored (a status label set since, and not yet seen, goes too).
    next = data.map((l) => l.name);
  }
  const stale = next.filter(isStale);
  for (const name of stale) {
    try {
      const { data } = await octokit.rest.issues.removeLabel({ owner, repo, issue_number: intent.issueNumber, name });
      next = data.map((l) => l.name);
    } catch (error) {
      // Already gone (someone removed it): the goal is reached.
      if ((error as { status?: number }).status !== 404) throw error;
      next = next.filter((l) => l !== name);
    }
  }
  if (missing || stale.length > 0) await labels.set(intent.repo, intent.issueNumber, next);
}
