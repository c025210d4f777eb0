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

export interface IssueFacts {
  number: number;
  id: number;
  nodeId: string;
  title: string;
  body: string | null;
  state: "open" | "closed";
  labels: string[];
  milestone: MilestoneFacts | null;
  isPullRequest: boolean;
}

interface IssueLike {
  number: number;
  id: number;
  node_id: string;
  title: string;
  body?: string | null;
  state?: string;
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
}

export function issueFactsOf(issue: IssueLike): IssueFacts {
  return {
    number: issue.number,
    id: issue.id,
    nodeId: issue.node_id,
    title: issue.title,
    body: issue.body ?? null,
    state: issue.state === "closed" ? "closed" : "open",
    labels: (issue.labels ?? []).map((l) => (typeof l === "string" ? l : (l?.name ?? ""))).filter(Boolean),
    milestone: issue.milestone ? milestoneFactsOf(issue.milestone) : null,
    isPullRequest: issue.pull_request !== undefined && issue.pull_request !== null,
  };
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
