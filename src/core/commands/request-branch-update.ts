/**
 * GitHub would not merge one of the app's pull requests because its base moved and conflicts
 * with its head: the reconcile queues a branch update task. It is carried like a refine (category `merge`,
 * no issue, tied to the pull request, one at a time per pull request, holding merges while it
 * waits or works); the runner merges the base into the head with a merge agent resolving the
 * conflicts (`runner/update-branch.ts`). The push moves the head, so the approval that met the
 * conflict no longer counts: the pull request waits for a fresh one (yolo: for its checks).
 */
import { eq } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { pullRequests, tasks } from "../../db/schema.js";
import { recordIntents } from "./record-intents.js";
import { updateHeader, updateInput, updateQueuedBody, updateTitle, workKindOf } from "../branch-update.js";
import { refineMarker } from "../refine-review.js";
import type { ReconcileContext } from "./reconcile-project.js";
import { activeRefines, ownerOf } from "./request-refine.js";

/**
 * The reconcile's step for pull requests GitHub refused to merge because they conflict with
 * their base (`conflict_sha`, recorded by the merge operation): a branch update for each, whose
 * head has not moved since. Runs first, so the planners after it see the new task.
 */
export async function queueBranchUpdates(tx: Tx, ctx: ReconcileContext): Promise<void> {
  for (const pr of ctx.pullRequests.filter((p) => p.conflictSha !== null)) {
    const conflictSha = pr.conflictSha;
    await tx.update(pullRequests).set({ conflictSha: null }).where(eq(pullRequests.id, pr.id));
    pr.conflictSha = null;
    if (pr.headSha !== null && pr.headSha !== conflictSha) continue; // moved since: it needs a new approval anyway
    const task = await requestBranchUpdate(tx, ctx, pr);
    if (task) ctx.tasks.push(task);
  }
}

async function requestBranchUpdate(tx: Tx, ctx: ReconcileContext, pr: PullRequestRow): Promise<TaskRow | undefined> {
  if (pr.number === null || pr.merged || pr.state === "closed") return undefined;
  const active = await activeRefines(tx, pr.id);
  // A merge retried (or approved again) while the update waits or works: one is enough.
  if (active.some((t) => workKindOf(t.category) === "update")) return undefined;
  const facts = { number: pr.number, kind: pr.kind, head: pr.head, base: pr.base };
  const [task] = await tx
    .insert(tasks)
    .values({
      ...(await ownerOf(tx, pr)),
      projectId: ctx.project.id,
      pullRequestId: pr.id,
      name: updateTitle(facts),
      description: updateInput(facts),
      category: "merge",
      // Someone approved and waits for the merge: it goes before work nobody waits for yet.
      priority: "high",
      status: "pending",
      // Whose approval met the conflict: asked to approve the new head when it is done.
      triggeredBy: pr.approvedBy,
    })
    .returning();
  pr.mergeBlockedReason = updateHeader(facts);
  await tx.update(pullRequests).set({ mergeBlockedReason: pr.mergeBlockedReason }).where(eq(pullRequests.id, pr.id));
  await recordIntents(tx, [
    {
      kind: "upsert-comment",
      repo: ctx.repo,
      issueNumber: pr.number,
      marker: refineMarker(task!.id),
      body: updateQueuedBody(
        facts,
        active.some((t) => t.status === "in_progress"),
      ),
    },
  ]);
  return task;
}

type TaskRow = typeof tasks.$inferSelect;
type PullRequestRow = typeof pullRequests.$inferSelect;
