/**
 * The labels the app owns (DESIGN.md §1). Status labels are the app's alone: exactly one of
 * them is on a task's issue. The others are set by people to describe a task.
 */
import type { TaskCategory, TaskPriority, TaskType } from "./statuses.js";

export interface LabelDefinition {
  name: string;
  color: string;
  description: string;
}

export const STATUS_LABELS = {
  pendingApproval: "cw:pending-approval",
  blocked: "cw:blocked",
  ready: "cw:ready",
  inProgress: "cw:in-progress",
  needsInput: "cw:needs-input",
  inReview: "cw:in-review",
  done: "cw:done",
  failed: "cw:failed",
} as const;
export type StatusLabel = (typeof STATUS_LABELS)[keyof typeof STATUS_LABELS];
export const ALL_STATUS_LABELS: readonly StatusLabel[] = Object.values(STATUS_LABELS);

export const PHASE_LABEL = "cw:phase";
export const DEFAULT_TRIGGER_LABEL = "cw:run";

export const CATEGORY_LABELS: Readonly<Record<string, TaskCategory>> = {
  "cw:research": "research",
  "cw:plan": "plan",
  "cw:detail": "detail",
  "cw:refine": "refine",
  "cw:verify": "verify",
  "cw:discuss": "discuss",
};

export const TYPE_LABELS: Readonly<Record<string, TaskType>> = {
  "cw:checkpoint:human-verify": "checkpoint:human-verify",
  "cw:checkpoint:decision": "checkpoint:decision",
  "cw:checkpoint:human-action": "checkpoint:human-action",
};

export const PRIORITY_LABELS: Readonly<Record<string, TaskPriority>> = {
  "cw:priority:high": "high",
  "cw:priority:low": "low",
};

const STATUS_DEFINITIONS: LabelDefinition[] = [
  { name: STATUS_LABELS.pendingApproval, color: "fbca04", description: "Codewalkers: waiting for a writer's /cw approve" },
  { name: STATUS_LABELS.blocked, color: "b60205", description: "Codewalkers: waiting for an open blocker" },
  { name: STATUS_LABELS.ready, color: "0e8a16", description: "Codewalkers: ready for an agent" },
  { name: STATUS_LABELS.inProgress, color: "1d76db", description: "Codewalkers: an agent is working on it" },
  { name: STATUS_LABELS.needsInput, color: "d93f0b", description: "Codewalkers: waiting for a person: an answer, an approval, a decision or an action" },
  { name: STATUS_LABELS.inReview, color: "5319e7", description: "Codewalkers: its pull request awaits review" },
  { name: STATUS_LABELS.done, color: "0e8a16", description: "Codewalkers: finished" },
  { name: STATUS_LABELS.failed, color: "b60205", description: "Codewalkers: failed; /cw retry starts again" },
];

export function labelDefinitions(triggerLabel: string = DEFAULT_TRIGGER_LABEL): LabelDefinition[] {
  return [
    { name: triggerLabel, color: "6f42c1", description: "Codewalkers: run this issue as a task" },
    { name: PHASE_LABEL, color: "c5def5", description: "Codewalkers: a phase of the milestone; its sub-issues are its tasks" },
    ...STATUS_DEFINITIONS,
    ...Object.keys(CATEGORY_LABELS).map((name) => ({ name, color: "bfdadc", description: `Codewalkers: ${CATEGORY_LABELS[name]} task` })),
    ...Object.keys(TYPE_LABELS).map((name) => ({ name, color: "f9d0c4", description: `Codewalkers: ${TYPE_LABELS[name]}` })),
    ...Object.keys(PRIORITY_LABELS).map((name) => ({ name, color: "e4e669", description: `Codewalkers: ${PRIORITY_LABELS[name]} priority` })),
  ];
}
