/**
 * Decides, for every task of a repository, which status it should be in and which status label
 * its issue should carry, from what is known of its blockers. Pure: the reconcile command feeds
 * it a snapshot and applies what it returns, so the same snapshot always gives the same answer,
 * whatever order the events came in.
 */
import { STATUS_LABELS, ALL_STATUS_LABELS, type StatusLabel } from "./labels.js";
import { isPersonCheckpoint, isStranded, personWait } from "./checkpoints.js";
import type { TaskStatus, TaskType } from "./statuses.js";
import { buildGraph, criticalPathLength, findCycles, type GraphNode } from "./task-graph.js";

/** "owner/repo#12", lower-cased: one name for an issue, whether it is a task or not. */
export type IssueKey = string;

export function issueKey(repo: string, number: number): IssueKey {
  return `${repo.toLowerCase()}#${number}`;
}

export interface SnapshotTask {
  id: string;
  issueNumber: number;
  status: TaskStatus;
  type: TaskType;
  /** A runner holds it: its agent is at work. */
  claimed: boolean;
  issueState: "open" | "closed";
  labels: readonly string[];
  blockedReason: string | null;
  criticalPath: number;
  /** The phase issue this task belongs to, if any. */
  phaseIssueNumber: number | null;
  /** Its agent asked questions and waits for an answer. */
  awaitingInput: boolean;
  /** Its phase's pull request waits for review. */
  inReview: boolean;
  /** What else holds it, decided outside the graph (a verify task waits for its phase's work: `verify.ts`). */
  holds?: readonly string[];
}

export interface SnapshotLink {
  fromNumber: number;
  toRepo: string;
  toNumber: number;
  toState: "open" | "closed" | "missing" | "unreadable";
}

export interface SnapshotPhase {
  issueNumber: number;
  done: boolean;
  dependsOnIssueNumbers: readonly number[];
}

export interface RepositorySnapshot {
  /** "owner/repo" of the repository the tasks live in. */
  repo: string;
  tasks: readonly SnapshotTask[];
  /** "blocked by" links from any issue of the repository. */
  links: readonly SnapshotLink[];
  phases: readonly SnapshotPhase[];
  /**
   * Issue numbers that carry an active (not yet resolved) comment of the given marker, so a
   * resolution is announced once, on the issues that were told about the problem.
   */
  commentMarkers: ReadonlyMap<string, ReadonlySet<number>>;
}

export interface StatusChange {
  taskId: string;
  status: TaskStatus;
  blockedReason: string | null;
}

export interface LabelChange {
  issueNumber: number;
  label: StatusLabel | null;
}

export interface CommentChange {
  issueNumber: number;
  marker: string;
  body: string;
}

export interface TaskStatusPlan {
  /** Tasks whose critical path length (dispatch order) changed. */
  criticalPaths: { taskId: string; criticalPath: number }[];
  statusChanges: StatusChange[];
  labelChanges: LabelChange[];
  comments: CommentChange[];
  /** Decision and human-action checkpoints that became ready now: their person is to be asked. */
  checkpointsOpened: string[];
}

export const CYCLE_MARKER = "dependency-cycle";
export const MISSING_MARKER = "missing-dependencies";
export const CYCLE_RESOLVED_TEXT = "✅ The dependency cycle that held this issue is resolved.";
export const MISSING_RESOLVED_TEXT = "✅ Every dependency of this issue can now be read.";

/**
 * Statuses the planner may move between; the others belong to the runner or to people (except a
 * stranded task in progress, which nobody holds or waits on: it is made ready again).
 */
const WAITING: ReadonlySet<TaskStatus> = new Set(["pending", "blocked"]);

export function planTaskStatuses(snapshot: RepositorySnapshot): TaskStatusPlan {
  const here = snapshot.repo;
  const taskByKey = new Map(snapshot.tasks.map((t) => [issueKey(here, t.issueNumber), t]));
  const linksFrom = new Map<number, SnapshotLink[]>();
  for (const link of snapshot.links) {
    if (link.toRepo.toLowerCase() === here.toLowerCase() && link.toNumber === link.fromNumber) continue;
    const list = linksFrom.get(link.fromNumber) ?? [];
    list.push(link);
    linksFrom.set(link.fromNumber, list);
  }

  const isDone = (link: SnapshotLink): boolean => {
    const task = taskByKey.get(issueKey(link.toRepo, link.toNumber));
    return link.toState === "closed" || task?.status === "completed";
  };

  // Every issue that takes part in a "blocked by" link is a node, so that cycles through issues
  // that are not tasks are found too; a node is done when its issue is closed or its task done.
  const nodes = new Map<IssueKey, { id: string; done: boolean; dependsOn: string[] }>();
  const node = (key: IssueKey, done: boolean) => {
    const existing = nodes.get(key);
    if (existing) {
      existing.done ||= done;
      return existing;
    }
    const created = { id: key, done, dependsOn: [] as string[] };
    nodes.set(key, created);
    return created;
  };
  for (const task of snapshot.tasks) node(issueKey(here, task.issueNumber), task.status === "completed" || task.issueState === "closed");
  for (const link of snapshot.links) {
    const from = node(issueKey(here, link.fromNumber), false);
    const toKey = issueKey(link.toRepo, link.toNumber);
    node(toKey, isDone(link));
    if (toKey !== from.id) from.dependsOn.push(toKey);
  }
  const graph = buildGraph([...nodes.values()] as GraphNode[]);
  const cycles = findCycles(graph, { ignoreDone: true });
  const pathLength = criticalPathLength(graph);
  const cycleOf = new Map<IssueKey, readonly string[]>();
  for (const cycle of cycles) for (const key of cycle) cycleOf.set(key, cycle);

  const phaseByNumber = new Map(snapshot.phases.map((p) => [p.issueNumber, p]));
  const plan: TaskStatusPlan = { criticalPaths: [], statusChanges: [], labelChanges: [], comments: [], checkpointsOpened: [] };

  for (const task of snapshot.tasks) {
    const key = issueKey(here, task.issueNumber);
    const criticalPath = Math.max(1, pathLength.get(key) ?? 1);
    if (criticalPath !== task.criticalPath) plan.criticalPaths.push({ taskId: task.id, criticalPath });
    const links = linksFrom.get(task.issueNumber) ?? [];
    const missing = links.filter((l) => l.toState === "missing" || l.toState === "unreadable");
    const open = links.filter((l) => !isDone(l) && l.toState === "open");
    const cycle = cycleOf.get(key);
    const phase = task.phaseIssueNumber === null ? undefined : phaseByNumber.get(task.phaseIssueNumber);
    const waitingPhases = (phase?.dependsOnIssueNumbers ?? []).filter((n) => !phaseByNumber.get(n)?.done);

    let status = task.status;
    let blockedReason = task.blockedReason;
    const facts = { type: task.type, claimed: task.claimed, agentWaiting: task.awaitingInput };
    if (WAITING.has(task.status) || isStranded({ ...facts, status: task.status })) {
      const reasons: string[] = [];
      if (cycle) reasons.push(`dependency cycle: ${describe(cycle, here)}`);
      if (missing.length > 0) reasons.push(`missing: ${missing.map((l) => refText(l, here)).join(", ")}`);
      if (open.length > 0) reasons.push(`blocked by ${open.map((l) => refText(l, here)).join(", ")}`);
      if (waitingPhases.length > 0) reasons.push(`waiting for phase ${waitingPhases.map((n) => `#${n}`).join(", ")}`);
      reasons.push(...(task.holds ?? []));
      // Ready: a runner takes it, unless no agent runs on it: then it waits for its person at once.
      const ready: TaskStatus = isPersonCheckpoint(task.type) ? "in_progress" : "pending";
      status = reasons.length > 0 ? "blocked" : ready;
      blockedReason = reasons.length > 0 ? reasons.join("; ") : null;
      if (status !== task.status || blockedReason !== task.blockedReason) {
        plan.statusChanges.push({ taskId: task.id, status, blockedReason });
      }
      if (status === "in_progress" && task.status !== "in_progress") plan.checkpointsOpened.push(task.id);
    }

    const awaitingInput = personWait({ ...facts, status }) !== null;
    const label = statusLabelFor({ status, awaitingInput, inReview: task.inReview });
    if (!carriesExactly(task.labels, label)) plan.labelChanges.push({ issueNumber: task.issueNumber, label });

    const inCycle = Boolean(cycle) && WAITING.has(status);
    const hadCycleComment = snapshot.commentMarkers.get(CYCLE_MARKER)?.has(task.issueNumber) ?? false;
    if (inCycle) {
      plan.comments.push({
        issueNumber: task.issueNumber,
        marker: CYCLE_MARKER,
        body:
          `⛔ **Dependency cycle:** ${describe(cycle!, here)}.\n\n` +
          `None of these issues can start while each waits for another. Remove one of the ` +
          `"blocked by" links (or \`Depends on\` lines) to break the cycle.`,
      });
    } else if (hadCycleComment) {
      plan.comments.push({
        issueNumber: task.issueNumber,
        marker: CYCLE_MARKER,
        body: CYCLE_RESOLVED_TEXT,
      });
    }

    const hadMissingComment = snapshot.commentMarkers.get(MISSING_MARKER)?.has(task.issueNumber) ?? false;
    if (missing.length > 0 && WAITING.has(status)) {
      plan.comments.push({
        issueNumber: task.issueNumber,
        marker: MISSING_MARKER,
        body:
          `⚠️ This issue depends on ${missing.map((l) => refText(l, here)).join(", ")}, which ` +
          `${missing.length === 1 ? "does" : "do"} not exist or Codewalkers cannot read. ` +
          `Fix or remove the dependency to let it start.`,
      });
    } else if (missing.length === 0 && hadMissingComment) {
      plan.comments.push({
        issueNumber: task.issueNumber,
        marker: MISSING_MARKER,
        body: MISSING_RESOLVED_TEXT,
      });
    }
  }
  return plan;
}

/**
 * The one status label a task's issue carries (none once the task is cancelled). A task in
 * progress that waits for a person (answers, approval, a decision, an action) needs input.
 */
export function statusLabelFor(task: Pick<SnapshotTask, "status" | "awaitingInput" | "inReview">): StatusLabel | null {
  switch (task.status) {
    case "pending_approval":
      return STATUS_LABELS.pendingApproval;
    case "pending":
      return STATUS_LABELS.ready;
    case "blocked":
      return STATUS_LABELS.blocked;
    case "in_progress":
      return task.awaitingInput ? STATUS_LABELS.needsInput : STATUS_LABELS.inProgress;
    case "completed":
      return task.inReview ? STATUS_LABELS.inReview : STATUS_LABELS.done;
    case "failed":
      return STATUS_LABELS.failed;
    case "cancelled":
      return null;
  }
}

/** True when the issue's status labels are exactly `label` (or none, for null). */
export function carriesExactly(labels: readonly string[], label: StatusLabel | null): boolean {
  const status = labels.filter((l) => (ALL_STATUS_LABELS as readonly string[]).includes(l));
  return label === null ? status.length === 0 : status.length === 1 && status[0] === label;
}

function refText(link: Pick<SnapshotLink, "toRepo" | "toNumber">, here: string): string {
  return link.toRepo.toLowerCase() === here.toLowerCase() ? `#${link.toNumber}` : `${link.toRepo}#${link.toNumber}`;
}

function describe(cycle: readonly string[], here: string): string {
  const prefix = `${here.toLowerCase()}#`;
  const names = cycle.map((key) => (key.startsWith(prefix) ? `#${key.slice(prefix.length)}` : key));
  return [...names, names[0]].join(" → ");
}
