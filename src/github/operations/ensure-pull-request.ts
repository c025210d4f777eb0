/**
 * Keeps one pull request per head and base. Its number is remembered, so an update is one
 * PATCH, and an unchanged title and body are no request at all. A pull request a person
 * opened for the same branches (or an earlier attempt that posted before failing) is adopted.
 */
import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import { initiatives, phases, pullRequests, tasks } from "../../db/schema.js";
import type { EnsurePullRequestIntent } from "../../core/intents.js";
import type { AppOctokit } from "../octokit.js";
import { findPullRequest, projectIdOf, updatePullRequest } from "../pull-request-store.js";

export async function ensurePullRequest(octokit: AppOctokit, intent: EnsurePullRequestIntent, db: Db): Promise<void> {
  const { owner, repo } = intent.repo;
  const bodyHash = createHash("sha256").update(`${intent.title}\n${intent.body}`).digest("hex");
  const known = await findPullRequest(db, intent.repo, intent.head, intent.base);
  if (known?.number) {
    if (known.bodyHash === bodyHash || known.state === "closed") return;
    await octokit.rest.pulls.update({ owner, repo, pull_number: known.number, title: intent.title, body: intent.body });
    await updatePullRequest(db, known.id, { bodyHash, title: intent.title });
    return;
  }
  const [existing] = await octokit.rest.pulls
    .list({ owner, repo, head: `${owner}:${intent.head}`, base: intent.base, state: "open", per_page: 1 })
    .then((r) => r.data);
  let pr: { number: number; node_id: string; head: { sha: string }; draft?: boolean };
  if (existing) {
    pr = existing;
    await octokit.rest.pulls.update({ owner, repo, pull_number: existing.number, title: intent.title, body: intent.body });
  } else {
    try {
      pr = (await octokit.rest.pulls.create({ owner, repo, head: intent.head, base: intent.base, title: intent.title, body: intent.body, draft: intent.draft }))
        .data;
    } catch (error) {
      if (!nothingToMerge(error)) throw error;
      // The work changed nothing: there is no pull request to open, and nothing left to land.
      // Recorded as landed, so the task is done rather than in review of a PR that never opens.
      const projectId = await projectIdOf(db, intent.repo);
      await db.transaction(async (tx) => {
        await tx
          .insert(pullRequests)
          .values({
            projectId,
            kind: intent.subject.kind,
            subjectId: intent.subject.id,
            head: intent.head,
            base: intent.base,
            state: "closed",
            merged: true,
            draft: false,
            title: intent.title,
            bodyHash,
          })
          .onConflictDoNothing();
        await markReconcileDue(tx, projectId);
      });
      return;
    }
  }
  const projectId = await projectIdOf(db, intent.repo);
  await db
    .insert(pullRequests)
    .values({
      projectId,
      kind: intent.subject.kind,
      subjectId: intent.subject.id,
      head: intent.head,
      base: intent.base,
      number: pr.number,
      nodeId: pr.node_id,
      headSha: pr.head.sha,
      draft: pr.draft ?? intent.draft,
      title: intent.title,
      bodyHash,
    })
    .onConflictDoUpdate({
      target: [pullRequests.projectId, pullRequests.head, pullRequests.base],
      set: { number: pr.number, nodeId: pr.node_id, headSha: pr.head.sha, draft: pr.draft ?? intent.draft, title: intent.title, bodyHash, state: "open" },
    });
  const subject = { phase: phases, initiative: initiatives, task: tasks }[intent.subject.kind];
  await db.update(subject).set({ prNumber: pr.number }).where(sql`${subject.id} = ${intent.subject.id}`);
}

/**
 * GitHub's 422 for a head with no commits its base lacks, or for a head branch that does not
 * exist (the run changed nothing, so nothing was pushed).
 */
function nothingToMerge(error: unknown): boolean {
  const e = error as { status?: number; message?: string; response?: { data?: { errors?: { field?: string; code?: string }[] } } };
  if (e.status !== 422) return false;
  const errors = e.response?.data?.errors ?? [];
  return (
    /No commits between/i.test(`${e.message ?? ""} ${JSON.stringify(e.response?.data ?? "")}`) || errors.some((x) => x.field === "head" && x.code === "invalid")
  );
}
