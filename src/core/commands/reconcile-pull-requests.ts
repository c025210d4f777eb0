/**
 * The pull-request planner of the reconcile (see reconcile-project.ts): applies the
 * pull-request plan of a repository (see plan-pull-requests.ts): phase and initiative statuses,
 * and the GitHub writes. Runs before the task statuses are decided, because a task whose work
 * waits in a pull request is "in review" (it fills `ctx.inReview`). Its texts — the pull
 * requests' bodies and the phases' check runs, which list each task's status — are written
 * after the task planner (`writePullRequestTexts`), so they never show a status that same
 * reconcile is about to change (a body opened saying "blocked" of a task it just made ready
 * would be edited at the next reconcile: a write nobody could have read).
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { agents, initiatives, issueLinks, phases, pullRequests, taskDependencies, tasks } from "../../db/schema.js";
import { checkRunHash } from "../check-run-output.js";
import { recordIntents } from "./record-intents.js";
import type { GitHubIntent } from "../intents.js";
import { APP_APPROVER, planPullRequests, type PrAction, type PrPlan, type PrSnapshot } from "../plan-pull-requests.js";
import type { PhaseStatus } from "../statuses.js";
import { canPhaseTransition, initiativeTransition, phaseTransition, taskTransition } from "../transitions.js";
import { refineCancelledBody, refineMarker } from "../refine-review.js";
import { updateCancelledBody, workKindOf } from "../branch-update.js";
import { loadRefine, reviewersByTask } from "./refine-thread.js";
import { repoConfigOf, type ProjectRow } from "./project-repo.js";
import type { ReconcileContext } from "./reconcile-project.js";
import { effectiveSettings, type MilestoneSettings, type RepoConfig } from "../repo-config.js";
import type { PhaseVerification } from "../verify.js";
import { reviewInput, reviewQueuedBody, reviewTitle } from "../agent-review.js";
import { ownerOf } from "./request-refine.js";

/** The plan's texts: pull-request titles and bodies, and the phases' check runs. */
type TextAction = Extract<PrAction, { kind: "ensure-pull-request" | "ensure-check-run" }>;

export interface PullRequestTexts {
  /** The snapshot the plan was made from. */
  snapshot: PrSnapshot;
  texts: TextAction[];
  /** The output hash each check run shows, by `<head sha>:<name>`. */
  shown: Map<string, string | null>;
}

/** Phase statuses it changes are applied to `ctx.phases` too (the task planner reads them next). */
export async function reconcilePullRequests(tx: Tx, ctx: ReconcileContext): Promise<PrPlan> {
  const { project, repo, tasks: taskRows, phases: phaseRows, initiatives: initiativeRows, pullRequests: prRows, usage } = ctx;
  const working = await runningAgents(
    tx,
    taskRows.filter((t) => t.status === "in_progress").map((t) => t.id),
  );
  const unstarted = await unstartedSubIssues(tx, project, phaseRows, taskRows);
  // Refine tasks are no part of a phase's work: they are shown, and hold merges, by pull request.
  // A fix task whose issue is still being opened shows nowhere yet (its verify task holds the phase).
  const planned = taskRows.filter((t) => t.pullRequestId === null && t.issueNumber !== null);
  const refining = taskRows.filter((t) => t.pullRequestId !== null && t.category !== "review" && (t.status === "pending" || t.status === "in_progress"));
  const askedBy = await reviewersByTask(
    tx,
    refining.map((t) => t.id),
  );
  const config = repoConfigOf(project);
  const plannedIds = planned.map((t) => t.id);
  const dependencies = plannedIds.length ? await tx.select().from(taskDependencies).where(inArray(taskDependencies.taskId, plannedIds)) : [];
  const dependsOn = new Map<string, string[]>();
  for (const d of dependencies) dependsOn.set(d.taskId, [...(dependsOn.get(d.taskId) ?? []), d.dependsOnTaskId]);

  const snapshot: PrSnapshot = {
    defaultBranch: project.defaultBranch,
    reviewers: config.reviewers,
    mergeMethod: config.mergeMethod,
    initiatives: initiativeRows
      .filter((i) => i.status !== "archived")
      .map((i) => ({
        id: i.id,
        name: i.name,
        branch: i.branch,
        milestoneNumber: i.milestoneNumber,
        status: i.status,
        // The repository's settings, with the milestone's block on top.
        ...initiativeSettings(config, i.settings),
      })),
    phases: phaseRows.map((p) => ({
      id: p.id,
      initiativeId: p.initiativeId,
      issueNumber: p.issueNumber,
      name: p.name,
      branch: p.branch,
      status: p.status,
      issueState: p.issueState,
      labels: p.labels,
      unstarted: p.issueNumber === null ? [] : (unstarted.get(p.issueNumber) ?? []),
    })),
    tasks: planned.map((t) => ({
      id: t.id,
      issueNumber: t.issueNumber,
      name: t.name,
      status: t.status,
      summary: t.summary,
      phaseId: t.phaseId,
      initiativeId: t.initiativeId,
      branch: t.branch,
      issueState: t.issueState,
      agent: working.get(t.id) ?? null,
      usage: usage.get(t.id) ?? null,
      dependsOn: dependsOn.get(t.id) ?? [],
    })),
    prs: prRows.map((p) => ({
      id: p.id,
      kind: p.kind,
      subjectId: p.subjectId,
      head: p.head,
      base: p.base,
      number: p.number,
      headSha: p.headSha,
      state: p.state,
      draft: p.draft,
      merged: p.merged,
      bodyHash: p.bodyHash,
      approvedSha: p.approvedSha,
      reviewRequested: p.reviewRequested,
    })),
    verifications: verificationsOf(taskRows),
    agentReview: config.agentReview,
    reviewTasks: taskRows
      .filter((t) => t.category === "review" && t.pullRequestId !== null)
      .map((t) => ({ prId: t.pullRequestId!, headSha: t.headSha, status: t.status })),
    refines: refining.map((t) => ({
      taskId: t.id,
      kind: workKindOf(t.category),
      prId: t.pullRequestId!,
      status: t.status as "pending" | "in_progress",
      reviewers: askedBy.get(t.id) ?? [],
      agent: working.get(t.id) ?? null,
    })),
  };
  const plan = planPullRequests(snapshot);

  const phaseById = new Map(phaseRows.map((p) => [p.id, p]));
  for (const change of plan.phaseStatus) {
    const from = phaseById.get(change.phaseId)!.status;
    advancePhase(from, change.status);
    await tx.update(phases).set({ status: change.status }).where(eq(phases.id, change.phaseId));
    phaseById.get(change.phaseId)!.status = change.status;
  }
  const initiativeById = new Map(initiativeRows.map((i) => [i.id, i]));
  for (const change of plan.initiativeStatus) {
    initiativeTransition(initiativeById.get(change.initiativeId)!.status, change.status);
    await tx.update(initiatives).set({ status: change.status }).where(eq(initiatives.id, change.initiativeId));
    initiativeById.get(change.initiativeId)!.status = change.status;
  }

  const intents: GitHubIntent[] = [];
  const texts: TextAction[] = [];
  const reviewed: string[] = [];
  const shown = new Map(ctx.checkRuns.map((c) => [`${c.headSha}:${c.name}`, c.outputHash]));
  for (const a of plan.actions) {
    switch (a.kind) {
      case "ensure-check-run":
      case "ensure-pull-request":
        texts.push(a);
        break;
      case "comment":
        intents.push({ kind: "upsert-comment", repo, issueNumber: a.issueNumber, marker: a.marker, body: a.body });
        break;
      case "queue-review": {
        const task = await queueReview(tx, ctx, a);
        if (task) ctx.tasks.push(task);
        break;
      }
      case "request-reviewers":
        reviewed.push(a.prId);
        intents.push({ kind: "request-reviewers", repo, head: a.head, base: a.base, reviewers: a.reviewers });
        break;
      case "merge-pull-request":
        // Recorded once per head: the row remembers which head a merge was asked for.
        await tx.update(pullRequests).set({ approvedSha: a.sha, approvedBy: APP_APPROVER }).where(eq(pullRequests.id, a.prId));
        Object.assign(prRows.find((p) => p.id === a.prId) ?? {}, { approvedSha: a.sha, approvedBy: APP_APPROVER });
        intents.push({ kind: "merge-pull-request", repo, head: a.head, base: a.base, sha: a.sha, method: a.method });
        break;
      default:
        intents.push({ ...a, repo } as GitHubIntent);
    }
  }
  if (reviewed.length) await tx.update(pullRequests).set({ reviewRequested: true }).where(inArray(pullRequests.id, reviewed));
  for (const p of prRows) if (reviewed.includes(p.id)) p.reviewRequested = true;
  for (const taskId of plan.cancelRefines) {
    const task = refining.find((t) => t.id === taskId)!;
    taskTransition(task.status, "cancelled");
    await tx.update(tasks).set({ status: "cancelled", claimedBy: null, leaseExpiresAt: null }).where(eq(tasks.id, task.id));
    const refine = await loadRefine(tx, task);
    if (refine) {
      const body = refine.kind === "update" ? updateCancelledBody(refine.pr) : refineCancelledBody(refine.reviews, "closed");
      intents.push({ kind: "upsert-comment", repo, issueNumber: refine.pr.number, marker: refineMarker(task.id), body });
    }
  }
  for (const l of plan.phaseLabels) intents.push({ kind: "set-status-label", repo, issueNumber: l.issueNumber, label: l.label });
  await recordIntents(tx, intents);
  for (const id of plan.inReview) ctx.inReview.add(id);
  for (const id of plan.draftPhases) ctx.draftPhases.add(id);
  ctx.pullRequestTexts = { snapshot, texts, shown };
  return plan;
}

/**
 * The pull-request planner's texts, with the task statuses the task planner settled: when it
 * moved any (blocked → ready, a checkpoint opened), the plan is made again from the same
 * snapshot with those statuses (it is pure; only the statuses shown differ), and its texts
 * are the ones written.
 */
export async function writePullRequestTexts(tx: Tx, ctx: ReconcileContext): Promise<void> {
  const made = ctx.pullRequestTexts;
  if (!made) return;
  const settled = new Map(ctx.tasks.map((t) => [t.id, t.status]));
  const moved = made.snapshot.tasks.some((t) => settled.get(t.id) !== t.status);
  const texts = moved
    ? planPullRequests({ ...made.snapshot, tasks: made.snapshot.tasks.map((t) => ({ ...t, status: settled.get(t.id) ?? t.status })) }).actions.filter(
        (a): a is TextAction => a.kind === "ensure-pull-request" || a.kind === "ensure-check-run",
      )
    : made.texts;
  const intents: GitHubIntent[] = [];
  for (const a of texts) {
    // The check run already shows exactly this: no write, not even a queued one.
    if (a.kind === "ensure-check-run" && made.shown.get(`${a.headSha}:${a.name}`) === checkRunHash(a)) continue;
    intents.push({ ...a, repo: ctx.repo });
  }
  await recordIntents(tx, intents);
}

/** Each phase's verify task as the planner sees it: its last verdict, and the fix task at work on its findings. */
function verificationsOf(taskRows: readonly (typeof tasks.$inferSelect)[]): Map<string, PhaseVerification> {
  const result = new Map<string, PhaseVerification>();
  for (const v of taskRows) {
    if (v.category !== "verify" || !v.phaseId || v.status === "cancelled") continue;
    const fix = taskRows.find((t) => t.fixesTaskId === v.id && t.status !== "completed" && t.status !== "cancelled");
    result.set(v.phaseId, {
      verdict: v.verdict,
      headSha: v.headSha,
      findings: v.findings ?? [],
      issueNumber: v.issueNumber,
      fixIssueNumber: fix?.issueNumber ?? null,
    });
  }
  return result;
}

/** A review agent for the pull request's head (`agent_review`), once per head; it talks in one comment there. */
async function queueReview(
  tx: Tx,
  ctx: ReconcileContext,
  a: { prId: string; number: number; head: string; base: string; headSha: string },
): Promise<typeof tasks.$inferSelect | undefined> {
  const [pr] = await tx.select().from(pullRequests).where(eq(pullRequests.id, a.prId));
  if (!pr) return undefined;
  const [task] = await tx
    .insert(tasks)
    .values({
      ...(await ownerOf(tx, pr)),
      projectId: ctx.project.id,
      pullRequestId: pr.id,
      name: reviewTitle(a.number),
      description: reviewInput(a),
      category: "review",
      // People wait for it before they are asked.
      priority: "high",
      status: "pending",
      headSha: a.headSha,
      triggeredBy: APP_APPROVER,
    })
    .returning();
  await recordIntents(tx, [{ kind: "upsert-comment", repo: ctx.repo, issueNumber: a.number, marker: refineMarker(task!.id), body: reviewQueuedBody(a.head) }]);
  return task;
}

/**
 * The agents at work on these tasks, each with the last lines of its log (for the check run) as
 * the runner last published them (runner/live-tail.ts: at most every 10 s).
 */
async function runningAgents(tx: Tx, taskIds: string[]): Promise<Map<string, { name: string; logTail: string }>> {
  const result = new Map<string, { name: string; logTail: string }>();
  if (taskIds.length === 0) return result;
  const rows = await tx
    .select({ name: agents.name, taskId: agents.taskId, logTail: agents.logTail })
    .from(agents)
    .where(and(inArray(agents.taskId, taskIds), eq(agents.status, "running")))
    // Oldest first, so a task's newest agent wins: its merge agent, while the agent whose work it merges finishes.
    .orderBy(asc(agents.createdAt));
  for (const agent of rows) result.set(agent.taskId!, { name: agent.name, logTail: agent.logTail ?? "" });
  return result;
}

/**
 * Per phase issue: its open sub-issues (in this repository) that are no task yet. They are tasks
 * not started, so the phase is not done: its PR stays a draft and nothing merges it.
 */
async function unstartedSubIssues(
  tx: Tx,
  project: ProjectRow,
  phaseRows: readonly { issueNumber: number | null }[],
  taskRows: readonly { issueNumber: number | null }[],
): Promise<Map<number, number[]>> {
  const parents = phaseRows.flatMap((p) => (p.issueNumber === null ? [] : [p.issueNumber]));
  const byPhase = new Map<number, number[]>();
  if (parents.length === 0) return byPhase;
  const taskIssues = new Set(taskRows.map((t) => t.issueNumber));
  const links = await tx
    .select({ parent: issueLinks.fromNumber, child: issueLinks.toNumber })
    .from(issueLinks)
    .where(
      and(
        eq(issueLinks.projectId, project.id),
        eq(issueLinks.kind, "sub_issue"),
        inArray(issueLinks.fromNumber, parents),
        eq(issueLinks.toState, "open"),
        sql`lower(${issueLinks.toRepo}) = ${project.name.toLowerCase()}`,
      ),
    );
  for (const { parent, child } of links) {
    if (taskIssues.has(child) || byPhase.get(parent)?.includes(child)) continue;
    byPhase.set(
      parent,
      [...(byPhase.get(parent) ?? []), child].sort((a, b) => a - b),
    );
  }
  return byPhase;
}

/** Phases may skip a step (pending straight to review when one run did all): go through in_progress. */
function advancePhase(from: PhaseStatus, to: PhaseStatus): void {
  if (from === to || canPhaseTransition(from, to)) return;
  if (canPhaseTransition(from, "in_progress") && canPhaseTransition("in_progress", to)) return;
  phaseTransition(from, to);
}

/** How an initiative's pull requests merge: `.github/codewalkers.yml`, with the milestone's settings block over it. */
function initiativeSettings(
  config: RepoConfig,
  milestone: Record<string, unknown>,
): { executionMode: RepoConfig["executionMode"]; mergeRequiresApproval: boolean } {
  const settings = effectiveSettings(config, milestone as MilestoneSettings);
  return { executionMode: settings.executionMode, mergeRequiresApproval: settings.mergeRequiresApproval };
}
