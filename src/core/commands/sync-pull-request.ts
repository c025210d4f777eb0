/**
 * A pull request as GitHub shows it now → the app's record of it, and everything that follows
 * (a merged phase completes, its dependents start; a merged initiative closes its milestone).
 * Pull requests the app did not open are none of its business.
 */
import { and, eq, isNotNull } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { pullRequests } from "../../db/schema.js";
import type { RepoConfig } from "../repo-config.js";
import type { MergePullRequestIntent } from "../intents.js";
import { recordIntents } from "./record-intents.js";
import { repoConfigOf, repoRefOf, type ProjectRow } from "./project-repo.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import { projectTransaction } from "./project-transaction.js";
import { activeRefines } from "./request-refine.js";
import { workKindOf } from "../branch-update.js";

export interface PullRequestFacts {
  number: number;
  nodeId: string;
  head: string;
  base: string;
  headSha: string;
  state: "open" | "closed";
  draft: boolean;
  merged: boolean;
  mergedSha: string | null;
  /** GitHub's auto-merge is on, and a bot turned it on (the app does when required checks wait). */
  autoMergeByBot?: boolean;
}

export async function syncPullRequest(db: Db, project: ProjectRow, pr: PullRequestFacts): Promise<boolean> {
  return projectTransaction(db, project.id, async (tx) => {
    const [row] = await tx
      .select()
      .from(pullRequests)
      .where(and(eq(pullRequests.projectId, project.id), eq(pullRequests.head, pr.head), eq(pullRequests.base, pr.base)));
    if (!row) return false;
    if (row.number !== null && row.number !== pr.number) return false; // an older PR for the same branches
    // Auto-merge follows the branch once on: a head that moved past the approval gets the merge
    // of the approved head tried again, which finds it moved, turns auto-merge off and says so.
    const movedPastApproval =
      pr.autoMergeByBot === true &&
      pr.state === "open" &&
      !pr.merged &&
      row.approvedSha !== null &&
      row.approvedSha !== pr.headSha &&
      row.headSha !== pr.headSha;
    await tx
      .update(pullRequests)
      .set({
        number: pr.number,
        nodeId: pr.nodeId,
        headSha: pr.headSha,
        state: pr.state,
        draft: pr.draft,
        merged: pr.merged,
        mergedSha: pr.mergedSha,
      })
      .where(eq(pullRequests.id, row.id));
    if (movedPastApproval) {
      // Recorded before the reconcile: a merge it plans (yolo, on the new head) replaces this one.
      await recordIntents(tx, [guardedMerge(project, row, row.approvedSha!, repoConfigOf(project).mergeMethod)]);
    }
    await markReconcileDue(tx, project.id);
    return true;
  });
}

/**
 * An approving review by a writer on the pull request's current head: the merge, guarded by
 * that head. An approval of an older commit merges nothing, nor does one while a refine or a
 * branch update of the pull request waits or works (its push will move the head). Two approvals at once are one
 * merge: the intent coalesces and the merge checks the pull request first.
 */
export async function approvePullRequest(
  db: Db,
  project: ProjectRow,
  input: { number: number; reviewedSha: string; headSha: string; by: string; method: "merge" | "squash" | "rebase" },
): Promise<"merging" | "stale" | "refining" | "updating" | "not-ours" | "done"> {
  return projectTransaction(db, project.id, async (tx) => {
    const [row] = await tx
      .select()
      .from(pullRequests)
      .where(and(eq(pullRequests.projectId, project.id), eq(pullRequests.number, input.number)));
    if (!row) return "not-ours";
    if (row.merged || row.state === "closed") return "done";
    // Changes were asked for, or the base is being merged in, and an agent is (about to be)
    // at work on it: its push moves the head.
    const busy = await activeRefines(tx, row.id);
    if (busy.length > 0) return busy.some((t) => workKindOf(t.category) === "update") ? "updating" : "refining";
    if (input.reviewedSha !== input.headSha || (row.headSha !== null && row.headSha !== input.headSha)) return "stale";
    await tx.update(pullRequests).set({ approvedSha: input.reviewedSha, approvedBy: input.by, headSha: input.headSha }).where(eq(pullRequests.id, row.id));
    await recordIntents(tx, [guardedMerge(project, row, input.reviewedSha, input.method)]);
    return "merging";
  });
}

/**
 * A check suite passed on `headSha`: the app's pull requests approved on exactly that head whose
 * merge GitHub refused for now (its rules were not met, and neither auto-merge nor the merge
 * queue could take it) have the same guarded merge tried again. A pull request that merged
 * meanwhile, moved on, or never waited is left alone. Returns how many merges were queued.
 */
export async function retryWaitingMerges(db: Db, project: ProjectRow, headSha: string): Promise<number> {
  return projectTransaction(db, project.id, async (tx) => {
    const waiting = await tx
      .select({ head: pullRequests.head, base: pullRequests.base })
      .from(pullRequests)
      .where(
        and(
          eq(pullRequests.projectId, project.id),
          eq(pullRequests.headSha, headSha),
          eq(pullRequests.approvedSha, headSha),
          eq(pullRequests.state, "open"),
          eq(pullRequests.merged, false),
          isNotNull(pullRequests.mergeBlockedReason),
        ),
      );
    if (waiting.length === 0) return 0;
    const { mergeMethod } = repoConfigOf(project);
    await recordIntents(
      tx,
      waiting.map((row) => guardedMerge(project, row, headSha, mergeMethod)),
    );
    return waiting.length;
  });
}

/** The merge of `row` guarded by `sha`: GitHub merges nothing if the head is elsewhere by then. */
function guardedMerge(project: ProjectRow, row: { head: string; base: string }, sha: string, method: RepoConfig["mergeMethod"]): MergePullRequestIntent {
  return { kind: "merge-pull-request", repo: repoRefOf(project), head: row.head, base: row.base, sha, method };
}
