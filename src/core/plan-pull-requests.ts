/**
 * Decides the pull requests of a repository from the state of its work, purely: a phase's
 * draft PR once its first task is done, ready for review (and reviewers asked) once all are;
 * the phase complete once merged, its task issues closed; the initiative's PR once every phase
 * is merged, and the milestone closed once that merges; a standalone task's own PR. Merges
 * without review happen only where the settings say so (yolo phases, initiatives that do not
 * require approval), always guarded by the head they saw.
 */
import { createHash } from "node:crypto";
import { STATUS_LABELS, type StatusLabel } from "./labels.js";
import type { ExecutionMode, InitiativeStatus, PhaseStatus, TaskStatus } from "./statuses.js";
import { findingLine, type PhaseVerification } from "./verify.js";
import { describeUsageTotals, sumUsage, type UsageTotals } from "./usage-totals.js";
import { mermaidTaskGraph, type GraphTask } from "./mermaid-graph.js";

export interface PrInitiative {
  id: string;
  name: string;
  branch: string | null;
  milestoneNumber: number | null;
  status: InitiativeStatus;
  executionMode: ExecutionMode;
  mergeRequiresApproval: boolean;
}

export interface PrPhase {
  id: string;
  initiativeId: string;
  issueNumber: number | null;
  name: string;
  branch: string | null;
  status: PhaseStatus;
  issueState: "open" | "closed";
  labels: readonly string[];
  /** Open sub-issues of the phase's issue that are no task yet (never started): work still to come. */
  unstarted?: readonly number[];
}

export interface PrTask {
  id: string;
  issueNumber: number | null;
  name: string;
  status: TaskStatus;
  summary: string | null;
  phaseId: string | null;
  initiativeId: string | null;
  branch: string | null;
  issueState: "open" | "closed";
  /** The agent working on it right now, with the last lines of its log. */
  agent?: { name: string; logTail: string } | null;
  /** Tokens and cost of all its runs. */
  usage?: UsageTotals | null;
  /** Ids of the tasks it depends on (for the graph in the pull-request bodies). */
  dependsOn?: readonly string[];
}

export interface PrRecord {
  id: string;
  kind: "phase" | "initiative" | "task";
  subjectId: string;
  head: string;
  base: string;
  number: number | null;
  headSha: string | null;
  state: "open" | "closed";
  draft: boolean;
  merged: boolean;
  bodyHash: string | null;
  approvedSha: string | null;
  reviewRequested: boolean;
}

/**
 * Work on a pull request's head that waits to start or is at work: a refine (changes requested
 * in a review) or an update (the base merged in, conflicts resolved). Either holds the merge.
 */
export interface PrRefine {
  taskId: string;
  /** Absent: a refine. */
  kind?: "refine" | "update";
  prId: string;
  status: "pending" | "in_progress";
  /** Who asked for the changes. */
  reviewers: readonly string[];
  agent?: { name: string; logTail: string } | null;
}

export interface PrSnapshot {
  defaultBranch: string;
  reviewers: readonly string[];
  mergeMethod: "merge" | "squash" | "rebase";
  initiatives: readonly PrInitiative[];
  phases: readonly PrPhase[];
  /** The tasks of the plan: refine tasks are not among them (see `refines`). */
  tasks: readonly PrTask[];
  prs: readonly PrRecord[];
  refines?: readonly PrRefine[];
  /** Each phase's verify task, by phase id (`verify.ts`): its verdict sets the check run's conclusion. */
  verifications?: ReadonlyMap<string, PhaseVerification>;
  /** `agent_review: true`: a review agent reads each phase PR before people are asked. */
  agentReview?: boolean;
  /** The review agents' tasks, by pull request and the head they review. */
  reviewTasks?: readonly { prId: string; headSha: string | null; status: TaskStatus }[];
}

export type PrAction =
  | { kind: "ensure-pull-request"; head: string; base: string; title: string; body: string; draft: boolean; subject: { kind: PrRecord["kind"]; id: string } }
  | { kind: "mark-ready"; head: string; base: string }
  | { kind: "mark-draft"; head: string; base: string }
  | { kind: "request-reviewers"; head: string; base: string; reviewers: string[]; prId: string }
  | { kind: "merge-pull-request"; head: string; base: string; sha: string; method: PrSnapshot["mergeMethod"]; prId: string }
  | { kind: "close-issue"; issueNumber: number }
  | { kind: "close-milestone"; milestoneNumber: number }
  | { kind: "comment"; issueNumber: number; marker: string; body: string }
  | { kind: "queue-review"; prId: string; number: number; head: string; base: string; headSha: string }
  | {
      kind: "ensure-check-run";
      headSha: string;
      name: string;
      status: "in_progress" | "completed";
      conclusion?: "success" | "neutral" | "failure";
      title: string;
      summary: string;
      text?: string;
    };

export const CHECK_RUN_NAME = "Codewalkers";

export interface PrPlan {
  actions: PrAction[];
  phaseStatus: { phaseId: string; status: PhaseStatus }[];
  initiativeStatus: { initiativeId: string; status: InitiativeStatus }[];
  phaseLabels: { issueNumber: number; label: StatusLabel | null }[];
  /** Task ids whose work waits in an open pull request (their label is cw:in-review). */
  inReview: Set<string>;
  /**
   * Phase ids whose pull request waits for more of their work: open, or about to open, as a
   * draft. Its head moves with every task that lands, so it is not yet the head people review.
   */
  draftPhases: Set<string>;
  /** Refine tasks whose pull request was merged or closed meanwhile: nothing left to refine. */
  cancelRefines: string[];
}

export const PR_CLOSED_MARKER = "pull-request-closed";

export function pullRequestBodyHash(title: string, body: string): string {
  return createHash("sha256").update(`${title}\n${body}`).digest("hex");
}

/** Who the pull request's record says approved a merge the app asked for itself (yolo, no approval needed). */
export const APP_APPROVER = "codewalkers";

export function planPullRequests(s: PrSnapshot): PrPlan {
  const plan: PrPlan = { actions: [], phaseStatus: [], initiativeStatus: [], phaseLabels: [], inReview: new Set(), draftPhases: new Set(), cancelRefines: [] };
  const prOf = (kind: PrRecord["kind"], id: string) => s.prs.find((p) => p.kind === kind && p.subjectId === id);
  const live = (t: PrTask) => t.status !== "cancelled";
  const refinesOf = (pr: PrRecord) => (s.refines ?? []).filter((r) => r.prId === pr.id);
  for (const r of s.refines ?? []) {
    const pr = s.prs.find((p) => p.id === r.prId);
    if (pr && (pr.merged || pr.state === "closed")) plan.cancelRefines.push(r.taskId);
  }

  const ensure = (pr: PrRecord | undefined, a: Extract<PrAction, { kind: "ensure-pull-request" }>) => {
    if (pr && (pr.merged || pr.state === "closed")) return;
    if (pr && pr.bodyHash === pullRequestBodyHash(a.title, a.body)) return;
    plan.actions.push(a);
  };
  const mergeOnce = (pr: PrRecord) => {
    if (!pr.headSha || pr.merged || pr.state === "closed" || pr.approvedSha === pr.headSha) return;
    if (refinesOf(pr).length > 0) return; // changes were asked for: the refine's push comes first
    plan.actions.push({ kind: "merge-pull-request", head: pr.head, base: pr.base, sha: pr.headSha, method: s.mergeMethod, prId: pr.id });
  };
  /**
   * With `agent_review`, a review agent reads the head before people are asked (or a yolo merge):
   * queued once per head; true while it waits or works.
   */
  const agentReviewing = (pr: PrRecord): boolean => {
    if (!s.agentReview || !pr.headSha || pr.number === null || pr.state !== "open" || pr.merged) return false;
    const mine = (s.reviewTasks ?? []).filter((r) => r.prId === pr.id && r.headSha === pr.headSha);
    if (mine.length === 0) {
      plan.actions.push({ kind: "queue-review", prId: pr.id, number: pr.number, head: pr.head, base: pr.base, headSha: pr.headSha });
      return true;
    }
    return mine.some((r) => r.status === "pending" || r.status === "in_progress");
  };
  const askReviewers = (pr: PrRecord) => {
    if (pr.reviewRequested || s.reviewers.length === 0) return;
    plan.actions.push({ kind: "request-reviewers", head: pr.head, base: pr.base, reviewers: [...s.reviewers], prId: pr.id });
  };

  for (const initiative of s.initiatives) {
    if (!initiative.branch) continue;
    const phases = s.phases.filter((p) => p.initiativeId === initiative.id);
    let everyPhaseMerged = true;
    let anyWork = false;
    /** Whether any of its work was committed (a phase branch, or a task of its own): else there is nothing to merge. */
    let committed = false;

    for (const phase of phases) {
      const tasks = s.tasks.filter((t) => t.phaseId === phase.id && live(t));
      const unstarted = phase.unstarted ?? [];
      if (tasks.length === 0) {
        if (unstarted.length > 0) everyPhaseMerged = false; // its tasks are yet to start
        continue;
      }
      anyWork = true;
      const done = tasks.filter((t) => t.status === "completed");
      const allDone = done.length === tasks.length && unstarted.length === 0;
      const pr = prOf("phase", phase.id);
      let status = phase.status;

      const closeIssues = () => {
        for (const t of tasks) if (t.issueNumber !== null && t.issueState === "open") plan.actions.push({ kind: "close-issue", issueNumber: t.issueNumber });
        if (phase.issueNumber !== null && phase.issueState === "open") plan.actions.push({ kind: "close-issue", issueNumber: phase.issueNumber });
      };
      // Work that landed on the phase branch: a task keeps its branch only when it pushed
      // something (a run that changed nothing clears it), so no pull request is asked for a
      // phase whose work so far changed nothing — GitHub would refuse it ("No commits between").
      const landed = phase.branch !== null && tasks.some((t) => t.branch !== null);
      if (landed) committed = true;

      if (pr?.merged) {
        status = "completed";
        closeIssues();
      } else if (!landed && !pr && allDone) {
        // Only person checkpoints (decisions, human actions), or agents that changed nothing:
        // nothing was committed, so there is no pull request to wait for.
        status = "completed";
        closeIssues();
      } else if (pr?.state === "closed") {
        if (status !== "blocked" && phase.issueNumber !== null) {
          plan.actions.push({
            kind: "comment",
            issueNumber: phase.issueNumber,
            marker: PR_CLOSED_MARKER,
            body: `⛔ The phase's pull request #${pr.number} was closed without merging, so this phase is blocked. Reopen it to go on.`,
          });
        }
        status = "blocked";
      } else if (phase.branch && (landed || pr) && done.length > 0) {
        const title = phase.issueNumber !== null ? `${phase.name} (phase #${phase.issueNumber})` : phase.name;
        ensure(pr, {
          kind: "ensure-pull-request",
          head: phase.branch,
          base: initiative.branch,
          title,
          body: phaseBody(phase, tasks, unstarted),
          draft: !allDone,
          subject: { kind: "phase", id: phase.id },
        });
        if (allDone && pr) {
          status = "pending_review";
          if (pr.draft) plan.actions.push({ kind: "mark-ready", head: pr.head, base: pr.base });
          // A draft cannot merge (GitHub answers 405 and refuses auto-merge): merge once it is
          // ready, which its ready_for_review event (or the periodic reconcile) brings back here.
          if (agentReviewing(pr)) {
            // People (or the yolo merge) come after the agent's review.
          } else if (initiative.executionMode === "yolo") {
            if (!pr.draft) mergeOnce(pr);
          } else askReviewers(pr);
        } else {
          status = "in_progress";
          if (!allDone) plan.draftPhases.add(phase.id);
          // A verification failed on the head people would review: out of review until it passes.
          const verification = s.verifications?.get(phase.id);
          if (pr && !pr.draft && pr.state === "open" && verification?.verdict === "fail" && verification.headSha === pr.headSha) {
            plan.actions.push({ kind: "mark-draft", head: pr.head, base: pr.base });
          }
        }
        // Its work waits in the phase's PR, or in the one about to be opened: in review, never
        // "done" first (a status label moves forward only).
        if (!pr || (pr.state === "open" && !pr.merged)) for (const t of done) plan.inReview.add(t.id);
        if (pr?.headSha && pr.state === "open") plan.actions.push(checkRun(pr.headSha, tasks, allDone, refinesOf(pr), s.verifications?.get(phase.id)));
      }

      if (status !== phase.status) plan.phaseStatus.push({ phaseId: phase.id, status });
      if (status !== "completed") everyPhaseMerged = false;
      if (phase.issueNumber !== null) {
        const label = phaseLabel(status);
        const current = phase.labels.filter((l) => (Object.values(STATUS_LABELS) as string[]).includes(l));
        if (!(label === null ? current.length === 0 : current.length === 1 && current[0] === label)) {
          plan.phaseLabels.push({ issueNumber: phase.issueNumber, label });
        }
      }
    }

    const loose = s.tasks.filter((t) => t.initiativeId === initiative.id && t.phaseId === null && live(t));
    if (loose.length > 0) anyWork = true;
    if (loose.some((t) => t.branch !== null)) committed = true;
    const allWorkDone = anyWork && everyPhaseMerged && loose.every((t) => t.status === "completed");
    const pr = prOf("initiative", initiative.id);
    if (pr?.merged || (allWorkDone && !committed && !pr)) {
      // Merged; or everything was done by people, with nothing to merge into the default branch.
      if (initiative.status !== "completed") plan.initiativeStatus.push({ initiativeId: initiative.id, status: "completed" });
      // Its tasks outside any phase landed with it: their issues close (phase tasks closed with their phase).
      for (const t of loose) {
        if (t.status === "completed" && t.issueNumber !== null && t.issueState === "open")
          plan.actions.push({ kind: "close-issue", issueNumber: t.issueNumber });
      }
      if (initiative.milestoneNumber !== null && initiative.status === "active") {
        plan.actions.push({ kind: "close-milestone", milestoneNumber: initiative.milestoneNumber });
      }
    } else if (allWorkDone) {
      ensure(pr, {
        kind: "ensure-pull-request",
        head: initiative.branch,
        base: s.defaultBranch,
        title: initiative.name,
        body: initiativeBody(initiative, phases, s.tasks),
        draft: false,
        subject: { kind: "initiative", id: initiative.id },
      });
      if (pr && pr.state === "open") {
        if (initiative.mergeRequiresApproval) askReviewers(pr);
        else mergeOnce(pr);
      }
    }
  }

  for (const task of s.tasks) {
    if (task.initiativeId !== null || task.status !== "completed" || task.issueNumber === null) continue;
    if (!task.branch) {
      // Done with nothing to merge (findings, decisions, a person's checkpoint): no pull request
      // will close its issue with "Fixes", so the app does, as for any task that completes.
      if (task.issueState === "open" && !prOf("task", task.id)) plan.actions.push({ kind: "close-issue", issueNumber: task.issueNumber });
      continue;
    }
    const pr = prOf("task", task.id);
    if (pr?.merged) continue;
    ensure(pr, {
      kind: "ensure-pull-request",
      head: task.branch,
      base: s.defaultBranch,
      title: task.name,
      body: `Fixes #${task.issueNumber}\n\n${task.summary ?? ""}`.trim(),
      draft: false,
      subject: { kind: "task", id: task.id },
    });
    // In review from the moment its PR is asked for, not only once GitHub has opened it.
    if (!pr || pr.state === "open") plan.inReview.add(task.id);
    if (pr && pr.state === "open") askReviewers(pr);
  }
  return plan;
}

/**
 * The phase's progress on its PR's head: tasks done, agents at work, the tail of their logs; and
 * a refine under way (changes requested), which makes the conclusion neutral: this head is not
 * the one to approve.
 */
function checkRun(
  headSha: string,
  tasks: readonly PrTask[],
  allDone: boolean,
  refines: readonly PrRefine[],
  verification?: PhaseVerification,
): Extract<PrAction, { kind: "ensure-check-run" }> {
  const done = tasks.filter((t) => t.status === "completed").length;
  const working = tasks.filter((t) => t.agent);
  const asked = [...new Set(refines.flatMap((r) => r.reviewers))].map((r) => `@${r}`).join(", ");
  const at = (r: PrRefine) => (r.agent ? `agent \`${r.agent.name}\` at work` : "⏳ queued");
  const refining = refines.map((r) =>
    r.kind === "update"
      ? `- Conflicts with the base branch, merged into this one: ${at(r)}`
      : `- Changes requested by ${r.reviewers.map((x) => `@${x}`).join(", ")}: ${at(r)}`,
  );
  const summary = [
    `${done} of ${tasks.length} tasks done${working.length ? `; agents at work: ${working.map((t) => `\`${t.agent!.name}\` on #${t.issueNumber}`).join(", ")}` : ""}.`,
    "",
    ...tasks.map((t) => `- #${t.issueNumber} ${t.name}: ${ICON[t.status] ?? t.status}`),
    ...usageLines(tasks),
    ...(refining.length ? ["", refines.some((r) => r.kind !== "update") ? "**Refining**" : "**Updating**", "", ...refining] : []),
  ].join("\n");
  const tails = [
    ...working.filter((t) => t.agent!.logTail.trim()).map((t) => `#${t.issueNumber} (${t.agent!.name}):\n\n\`\`\`\n${t.agent!.logTail.trim()}\n\`\`\``),
    ...refines
      .filter((r) => r.agent?.logTail.trim())
      .map((r) => `${r.kind === "update" ? "Merge" : "Refine"} (${r.agent!.name}):\n\n\`\`\`\n${r.agent!.logTail.trim()}\n\`\`\``),
  ];
  const title = allDone ? `All ${tasks.length} tasks done${verification?.verdict === "pass" ? "; verified" : ""}` : `${done} of ${tasks.length} tasks done`;
  // A verification that failed on this very head concludes it: this head is not the one to review.
  if (!allDone && verification?.verdict === "fail" && verification.headSha === headSha) {
    const fix =
      verification.fixIssueNumber !== null
        ? `Fix task #${verification.fixIssueNumber} works on them; the phase is verified again after it.`
        : "A fix task is being opened.";
    return {
      kind: "ensure-check-run",
      headSha,
      name: CHECK_RUN_NAME,
      status: "completed",
      conclusion: "failure",
      title: `Verification failed: ${verification.findings.length} finding${verification.findings.length === 1 ? "" : "s"}`,
      summary: [
        `Verification${verification.issueNumber !== null ? ` #${verification.issueNumber}` : ""} failed on this commit.`,
        "",
        ...verification.findings.map(findingLine),
        "",
        fix,
        "",
        summary,
      ].join("\n"),
      ...(tails.length ? { text: tails.join("\n\n") } : {}),
    };
  }
  return {
    kind: "ensure-check-run",
    headSha,
    name: CHECK_RUN_NAME,
    status: allDone ? "completed" : "in_progress",
    ...(allDone ? { conclusion: refines.length ? ("neutral" as const) : ("success" as const) } : {}),
    title: refines.some((r) => r.kind !== "update")
      ? `${title}; refining the changes requested by ${asked}`
      : refines.length
        ? `${title}; resolving conflicts with the base branch`
        : title,
    summary,
    ...(tails.length ? { text: tails.join("\n\n") } : {}),
  };
}

export function phaseLabel(status: PhaseStatus): StatusLabel | null {
  switch (status) {
    case "in_progress":
      return STATUS_LABELS.inProgress;
    case "pending_review":
      return STATUS_LABELS.inReview;
    case "completed":
      return STATUS_LABELS.done;
    case "blocked":
      return STATUS_LABELS.blocked;
    default:
      return null;
  }
}

const ICON: Partial<Record<TaskStatus, string>> = {
  completed: "✅ done",
  in_progress: "🔄 in progress",
  pending: "⏳ ready",
  blocked: "⛔ blocked",
  failed: "❌ failed",
  pending_approval: "✋ awaiting approval",
};

function phaseBody(phase: PrPhase, tasks: readonly PrTask[], unstarted: readonly number[]): string {
  const rows = tasks.map((t) => {
    const summary = (t.summary ?? "").split("\n")[0]!.replace(/\|/g, "\\|").slice(0, 200);
    return `| #${t.issueNumber} ${t.name.replace(/\|/g, "\\|")} | ${ICON[t.status] ?? t.status} | ${summary} |`;
  });
  const graph = mermaidTaskGraph([{ title: phase.name, tasks: tasks.map(graphTask) }]);
  return [
    phase.issueNumber !== null ? `Phase #${phase.issueNumber}: **${phase.name}**` : `Phase **${phase.name}**`,
    "",
    "| Task | Status | Summary |",
    "| --- | --- | --- |",
    ...rows,
    ...unstarted.map((n) => `| #${n} | ⏸️ not started | |`),
    ...(graph ? ["", graph] : []),
    ...usageLines(tasks),
    "",
    "An approving review of the current head merges this phase into its initiative branch.",
  ].join("\n");
}

function initiativeBody(initiative: PrInitiative, phases: readonly PrPhase[], tasks: readonly PrTask[]): string {
  const lines = [
    `Initiative **${initiative.name}**${initiative.milestoneNumber !== null ? ` (milestone ${initiative.milestoneNumber})` : ""}, every phase merged:`,
    "",
  ];
  for (const phase of phases) {
    const mine = tasks.filter((t) => t.phaseId === phase.id && t.status === "completed");
    if (mine.length === 0) continue;
    lines.push(`- ${phase.issueNumber !== null ? `#${phase.issueNumber} ` : ""}${phase.name}: ${mine.map((t) => `#${t.issueNumber}`).join(", ")}`);
  }
  const loose = tasks.filter((t) => t.initiativeId === initiative.id && t.phaseId === null && t.status === "completed");
  if (loose.length) lines.push(`- Tasks outside phases: ${loose.map((t) => `#${t.issueNumber}`).join(", ")}`);
  const mine = tasks.filter((t) => t.initiativeId === initiative.id || phases.some((p) => p.id === t.phaseId));
  const groups = [
    ...phases.map((p) => ({
      title: `${p.issueNumber !== null ? `#${p.issueNumber} ` : ""}${p.name}`,
      tasks: mine.filter((t) => t.phaseId === p.id).map(graphTask),
    })),
    { title: "Outside phases", tasks: mine.filter((t) => t.phaseId === null).map(graphTask) },
  ].filter((g) => g.tasks.length > 0);
  const graph = mermaidTaskGraph(groups);
  if (graph) lines.push("", graph);
  const perPhase = phases
    .map((p) => [p, describeUsageTotals(sumUsage(mine.filter((t) => t.phaseId === p.id).map((t) => t.usage)))] as const)
    .filter(([, u]) => u !== null)
    .map(([p, u]) => `- ${p.issueNumber !== null ? `#${p.issueNumber} ` : ""}${p.name}: ${u}`);
  const total = describeUsageTotals(sumUsage(mine.map((t) => t.usage)));
  if (total) lines.push("", `**Usage of the initiative:** ${total}`, ...perPhase);
  return lines.join("\n");
}

function graphTask(t: PrTask): GraphTask {
  return { id: t.id, issueNumber: t.issueNumber, name: t.name, status: t.status, dependsOn: t.dependsOn ?? [] };
}

/** Tokens and cost per task, and their sum: empty when no agent reported any. */
function usageLines(tasks: readonly PrTask[]): string[] {
  const total = describeUsageTotals(sumUsage(tasks.map((t) => t.usage)));
  if (!total) return [];
  const each = tasks.flatMap((t) => {
    const u = describeUsageTotals(t.usage);
    return u ? [`- #${t.issueNumber} ${t.name}: ${u}`] : [];
  });
  return ["", `**Usage:** ${total}`, ...each];
}
