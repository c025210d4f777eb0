/**
 * GitHub would not merge one of the app's pull requests because its base moved and conflicts
 * with its head: a branch update task is queued. It is carried like a refine (category `merge`,
 * no issue, tied to the pull request, one at a time per pull request, holding merges while it
 * waits or works); the runner merges the base into the head with a merge agent resolving the
 * conflicts (`runner/update-branch.ts`). The push moves the head, so the approval that met the
 * conflict no longer counts: the pull request waits for a fresh one (yolo: for its checks).
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { pullRequests, tasks } from "../../db/schema.js";
import { recordIntents } from "./record-intents.js";
import { updateHeader, updateInput, updateQueuedBody, updateTitle, workKindOf } from "../branch-update.js";
import { refineMarker } from "../refine-review.js";
import { loadProject, repoRefOf } from "./project-repo.js";
import { projectTransaction } from "./project-transaction.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import { activeRefines, ownerOf } from "./request-refine.js";

export type BranchUpdateOutcome = "queued" | "already-queued" | "closed" | "unknown";

export async function requestBranchUpdate(db: Db, input: { projectId: string; pullRequestId: string }): Promise<BranchUpdateOutcome> {
  return projectTransaction(db, input.projectId, async (tx) => {
    const [pr] = await tx
      .select()
      .from(pullRequests)
      .where(and(eq(pullRequests.projectId, input.projectId), eq(pullRequests.id, input.pullRequestId)));
    if (!pr || pr.number === null) return "unknown";
    if (pr.merged || pr.state === "closed") return "closed";
    const active = await activeRefines(tx, pr.id);
    // A merge retried (or approved again) while the update waits or works: one is enough.
    if (active.some((t) => workKindOf(t.category) === "update")) return "already-queued";
    const facts = { number: pr.number, kind: pr.kind, head: pr.head, base: pr.base };
    const [task] = await tx
      .insert(tasks)
      .values({
        ...(await ownerOf(tx, pr)),
        projectId: input.projectId,
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
      .returning({ id: tasks.id });
    await tx.update(pullRequests).set({ mergeBlockedReason: updateHeader(facts) }).where(eq(pullRequests.id, pr.id));
    const project = await loadProject(tx, input.projectId);
    await recordIntents(tx, [
      {
        kind: "upsert-comment",
        repo: repoRefOf(project),
        issueNumber: pr.number,
        marker: refineMarker(task!.id),
        body: updateQueuedBody(facts, active.some((t) => t.status === "in_progress")),
      },
    ]);
    await markReconcileDue(tx, input.projectId);
    return "queued";
  });
}
