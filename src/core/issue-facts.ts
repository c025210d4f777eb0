/** What the app knows of an issue, taken from a webhook payload or an API read. */
import { CATEGORY_LABELS, PRIORITY_LABELS, TYPE_LABELS } from "./labels.js";
import type { TaskCategory, TaskPriority, TaskType } from "./statuses.js";

export interface MilestoneFacts {
  number: number;
  id: number;
  nodeId: string;
  title: string;
  description: string | null;
  state: "open" | "closed";
}

/** Why an issue was closed (or reopened), as GitHub says it. */
export type IssueStateReason = "completed" | "not_planned" | "reopened" | "duplicate";

export interface IssueFacts {
  number: number;
  id: number;
  nodeId: string;
  title: string;
  body: string | null;
  state: "open" | "closed";
  stateReason: IssueStateReason | null;
  labels: string[];
  milestone: MilestoneFacts | null;
  isPullRequest: boolean;
  /** GitHub's `updated_at` of this version of the issue, when known: orders versions delivered out of order. */
  updatedAt: string | null;
}

interface IssueLike {
  number: number;
  id: number;
  node_id: string;
  title: string;
  body?: string | null;
  state?: string;
  state_reason?: string | null;
  labels?: readonly (string | { name?: string } | null)[];
  milestone?: {
    number: number;
    id: number;
    node_id: string;
    title: string;
    description?: string | null;
    state?: string;
  } | null;
  pull_request?: unknown;
  updated_at?: string | null;
}

export function issueFactsOf(issue: IssueLike): IssueFacts {
  return {
    number: issue.number,
    id: issue.id,
    nodeId: issue.node_id,
    title: issue.title,
    body: issue.body ?? null,
    state: issue.state === "closed" ? "closed" : "open",
    stateReason: stateReasonOf(issue.state_reason),
    labels: (issue.labels ?? []).map((l) => (typeof l === "string" ? l : (l?.name ?? ""))).filter(Boolean),
    milestone: issue.milestone ? milestoneFactsOf(issue.milestone) : null,
    isPullRequest: issue.pull_request !== undefined && issue.pull_request !== null,
    updatedAt: issue.updated_at ?? null,
  };
}

const STATE_REASONS: readonly IssueStateReason[] = ["completed", "not_planned", "reopened", "duplicate"];

function stateReasonOf(reason: string | null | undefined): IssueStateReason | null {
  return STATE_REASONS.find((r) => r === reason) ?? null;
}

export function milestoneFactsOf(m: NonNullable<IssueLike["milestone"]>): MilestoneFacts {
  return {
    number: m.number,
    id: m.id,
    nodeId: m.node_id,
    title: m.title,
    description: m.description ?? null,
    state: m.state === "closed" ? "closed" : "open",
  };
}

/** Category, type and priority, from the labels people put on the issue. */
export function taskAttributesOf(labels: readonly string[]): {
  category: TaskCategory;
  type: TaskType;
  priority: TaskPriority;
} {
  const first = <T>(map: Readonly<Record<string, T>>, fallback: T): T => {
    for (const l of labels) if (map[l] !== undefined) return map[l]!;
    return fallback;
  };
  return {
    category: first(CATEGORY_LABELS, "execute"),
    type: first(TYPE_LABELS, "auto"),
    priority: first(PRIORITY_LABELS, "medium"),
  };
}
