/** Routes an intent to the operation that performs it. */
import type { Db } from "../db/client.js";
import type { GitHubIntent } from "../core/intents.js";
import type { AppOctokit } from "./octokit.js";
import { dbIssueLabelStore } from "./issue-label-store.js";
import { ensureLabels } from "./operations/ensure-labels.js";
import { setStatusLabel } from "./operations/set-status-label.js";
import { upsertComment } from "./operations/upsert-comment.js";

export interface PerformContext {
  db: Db;
  /** True when an earlier attempt at this write failed (it may have half-happened). */
  isRetry: boolean;
}

export async function performIntent(octokit: AppOctokit, intent: GitHubIntent, ctx: PerformContext): Promise<void> {
  switch (intent.kind) {
    case "ensure-labels":
      return ensureLabels(octokit, intent);
    case "set-status-label":
      return setStatusLabel(octokit, intent, dbIssueLabelStore(ctx.db));
    case "upsert-comment":
      return upsertComment(octokit, intent, ctx.db, { isRetry: ctx.isRetry });
  }
}
