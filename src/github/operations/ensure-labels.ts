/** Creates the label definitions a repository lacks; labels people already have stay as they are. */
import type { EnsureLabelsIntent } from "../../core/intents.js";
import type { AppOctokit } from "../octokit.js";

export async function ensureLabels(octokit: AppOctokit, intent: EnsureLabelsIntent): Promise<void> {
  const { owner, repo } = intent.repo;
  const existing = await octokit.paginate(octokit.rest.issues.listLabelsForRepo, { owner, repo, per_page: 100 });
  const have = new Set(existing.map((l) => l.name.toLowerCase()));
  for (const label of intent.labels) {
    if (have.has(label.name.toLowerCase())) continue;
    try {
      await octokit.rest.issues.createLabel({ owner, repo, name: label.name, color: label.color, description: label.description });
    } catch (error) {
      // Someone created it between our read and our write: the label exists, which is the goal.
      if (isAlreadyExists(error)) continue;
      throw error;
    }
  }
}

function isAlreadyExists(error: unknown): boolean {
  const e = error as { status?: number; response?: { data?: { errors?: { code?: string }[] } } };
  return e.status === 422 && (e.response?.data?.errors ?? []).some((x) => x.code === "already_exists");
}
