/**
 * The task-status planner of the reconcile (see reconcile-project.ts): converges every task of a
 * repository on what its blockers say: status, status label and the cycle / missing-dependency
 * comments. Running it twice changes nothing the second time.
 */
import { createHash } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { agents, githubComments, issueLinks, outbox, phaseDependencies, tasks, taskStatus } from "../../db/schema.js";
import { recordIntents } from "./record-intents.js";
import { renderComment } from "../comment-body.js";
import { targetKeyOf, type GitHubIntent, type RepoRef } from "../intents.js";
import { CYCLE_MARKER, CYCLE_RESOLVED_TEXT, MISSING_MARKER, MISSING_RESOLVED_TEXT, planTaskStatuses, type RepositorySnapshot } from "../plan-task-statuses.js";
import { taskTransition } from "../transitions.js";
import { openCheckpoints } from "./open-checkpoints.js";
import { verifyHolds } from "../verify.js";
import type { ReconcileContext } from "./reconcile-project.js";

const MARKERS = [CYCLE_MARKER, MISSING_MARKER];
const STATUS = sql.raw(`"${taskStatus.enumName}"`);
const RESOLVED: Record<string, string> = { [CYCLE_MARKER]: CYCLE_RESOLVED_TEXT, [MISSING_MARKER]: MISSING_RESOLVED_TEXT };

export async function reconcileTaskStatuses(tx: Tx, ctx: ReconcileContext): Promise<void> {
  const { project, repo, tasks: taskRows, phases: phaseRows } = ctx;
  const projectId = project.id;
  if (taskRows.length === 0) return;

  const phaseById = new Map(phaseRows.map((p) => [p.id, p]));
  const deps = phaseRows.length
    ? await tx
        .select()
        .from(phaseDependencies)
        .where(
          inArray(
            phaseDependencies.phaseId,
            phaseRows.map((p) => p.id),
          ),
        )
    : [];
  const waiting = await tx
    .select({ taskId: agents.taskId })
    .from(agents)
    .where(
      and(
        inArray(
          agents.taskId,
          taskRows.map((t) => t.id),
        ),
        eq(agents.status, "waiting_for_input"),
      ),
    );
  const awaiting = new Set(waiting.map((w) => w.taskId));
  const links = await tx
    .select()
    .from(issueLinks)
    .where(and(eq(issueLinks.projectId, projectId), eq(issueLinks.kind, "blocked_by")));
  const comments = await tx
    .select()
    .from(githubComments)
    .where(and(eq(githubComments.projectId, projectId), inArray(githubComments.marker, MARKERS)));

  const storedHash = new Map(comments.map((c) => [`${c.marker}:${c.issueNumber}`, c.bodyHash]));
  const active = new Map<string, Set<number>>(MARKERS.map((m) => [m, new Set<number>()]));
  for (const c of comments) {
    const resolvedHash = hashOf(renderComment({ kind: "upsert-comment", repo, issueNumber: c.issueNumber, marker: c.marker, body: RESOLVED[c.marker]! }));
    if (c.bodyHash !== resolvedHash) active.get(c.marker)!.add(c.issueNumber);
  }

  // The plan's work (refines and branch updates, tied to pull requests, are not), fix tasks
  // whose issue is still being opened included: a verify task waits for all of it.
  const planned = taskRows.filter((t) => t.pullRequestId === null);
  const snapshot: RepositorySnapshot = {
    repo: project.name,
    tasks: taskRows
      .filter((t) => t.issueNumber !== null)
      .map((t) => {
        const phase = t.phaseId ? phaseById.get(t.phaseId) : undefined;
        return {
          id: t.id,
          issueNumber: t.issueNumber!,
          status: t.status,
          type: t.type,
          claimed: t.claimedBy !== null,
          issueState: t.issueState,
          labels: t.labels,
          blockedReason: t.blockedReason,
          criticalPath: t.criticalPath,
          phaseIssueNumber: phase?.issueNumber ?? null,
          awaitingInput: awaiting.has(t.id),
          inReview: ctx.inReview.has(t.id),
          ...(t.category === "verify" ? { holds: verifyHolds(t, planned) } : {}),
        };
      }),
    links: links.map((l) => ({ fromNumber: l.fromNumber, toRepo: l.toRepo, toNumber: l.toNumber, toState: l.toState })),
    phases: phaseRows
      .filter((p) => p.issueNumber !== null)
      .map((p) => ({
        issueNumber: p.issueNumber!,
        done: p.status === "completed" || p.issueState === "closed",
        dependsOnIssueNumbers: deps
          .filter((d) => d.phaseId === p.id)
          .map((d) => phaseById.get(d.dependsOnPhaseId)?.issueNumber)
          .filter((n): n is number => typeof n === "number"),
      })),
    commentMarkers: active,
  };

  const plan = planTaskStatuses(snapshot);
  const byId = new Map(taskRows.map((t) => [t.id, t]));
  if (plan.criticalPaths.length > 0) {
    // One statement for every changed path: a new dependency can move dozens at once.
    const values = sql.join(
      plan.criticalPaths.map(({ taskId, criticalPath }) => sql`(${taskId}::text, ${criticalPath}::int)`),
      sql`, `,
    );
    await tx.execute(sql`update ${tasks} set critical_path = v.path, updated_at = now() from (values ${values}) as v(id, path) where ${tasks.id} = v.id`);
  }
  if (plan.statusChanges.length > 0) {
    // One statement for every change too; each applies only if the task still has the status
    // the plan started from.
    const values = sql.join(
      plan.statusChanges.map((change) => {
        const from = byId.get(change.taskId)!.status;
        taskTransition(from, change.status);
        return sql`(${change.taskId}::text, ${change.status}::${STATUS}, ${change.blockedReason}::text, ${from}::${STATUS})`;
      }),
      sql`, `,
    );
    await tx.execute(
      sql`update ${tasks} set status = v.status, blocked_reason = v.reason, updated_at = now()
          from (values ${values}) as v(id, status, reason, from_status)
          where ${tasks.id} = v.id and ${tasks.status} = v.from_status`,
    );
  }
  await openCheckpoints(
    tx,
    repo,
    plan.checkpointsOpened.map((id) => byId.get(id)!),
  );
  const intents: GitHubIntent[] = [
    ...plan.labelChanges.map((c) => ({ kind: "set-status-label" as const, repo, issueNumber: c.issueNumber, label: c.label })),
    ...plan.comments
      .map((c) => ({ kind: "upsert-comment" as const, repo, issueNumber: c.issueNumber, marker: c.marker, body: c.body }))
      // A comment already saying exactly this needs no write, not even a queued one.
      .filter((intent) => storedHash.get(`${intent.marker}:${intent.issueNumber}`) !== hashOf(renderComment(intent))),
  ];
  await recordIntents(tx, intents);
  await cancelSupersededIntents(
    tx,
    repo,
    snapshot.tasks.map((t) => t.issueNumber),
    intents,
  );
  // Runners listening on this channel look for work when a task may have become ready.
  const finalStatus = new Map(taskRows.map((t) => [t.id, t.status]));
  for (const c of plan.statusChanges) finalStatus.set(c.taskId, c.status);
  if ([...finalStatus.values()].includes("pending")) await tx.execute(sql`select pg_notify(${TASKS_CHANNEL}, '')`);
  // The planners after this one (the tasks' check runs) see the statuses as decided.
  for (const c of plan.statusChanges) Object.assign(byId.get(c.taskId)!, { status: c.status, blockedReason: c.blockedReason });
}

export const TASKS_CHANNEL = "cw_tasks";

/**
 * A write still waiting in the outbox that this round no longer wants (the label it would set is
 * already there again; the problem its comment reports is gone before it was posted) is dropped,
 * so a burst that ends where it started writes nothing.
 */
async function cancelSupersededIntents(tx: Tx, repo: RepoRef, issueNumbers: number[], wanted: GitHubIntent[]): Promise<void> {
  const keep = new Set(wanted.map(targetKeyOf));
  const candidates: string[] = [];
  for (const issueNumber of issueNumbers) {
    const base = { repo, issueNumber };
    for (const key of [
      targetKeyOf({ kind: "set-status-label", ...base, label: null }),
      ...MARKERS.map((marker) => targetKeyOf({ kind: "upsert-comment", ...base, marker, body: "" })),
    ]) {
      if (!keep.has(key)) candidates.push(key);
    }
  }
  if (candidates.length === 0) return;
  await tx.delete(outbox).where(and(eq(outbox.status, "pending"), inArray(outbox.targetKey, candidates)));
}

function hashOf(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
