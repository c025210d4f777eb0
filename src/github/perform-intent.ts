/** Routes an intent to the operation that performs it. */
import type { GitHubIntent } from "../core/intents.js";
import type { AppOctokit } from "./octokit.js";
import { ensureLabels } from "./operations/ensure-labels.js";

export async function performIntent(octokit: AppOctokit, intent: GitHubIntent): Promise<void> {
  switch (intent.kind) {
    case "ensure-labels":
      return ensureLabels(octokit, intent);
  }
}
