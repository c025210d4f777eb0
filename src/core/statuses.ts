/**
 * Every status the model knows. The seed schema's values come first and keep their meaning;
 * values added for life on GitHub are marked. The database enums are built from these lists,
 * so the schema, the state machines and the labels can never disagree.
 */

export const INITIATIVE_STATUSES = ["active", "completed", "archived"] as const;
export type InitiativeStatus = (typeof INITIATIVE_STATUSES)[number];

export const EXECUTION_MODES = ["yolo", "review_per_phase"] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

export const PHASE_STATUSES = ["pending", "approved", "in_progress", "completed", "blocked", "pending_review"] as const;
export type PhaseStatus = (typeof PHASE_STATUSES)[number];

export const TASK_STATUSES = [
  "pending_approval",
  "pending", // ready: nothing holds it (shown as cw:ready)
  "in_progress",
  "completed",
  "blocked", // held: an open blocker, a cycle, a missing dependency, an unfinished phase before it
  "failed", // added: retries exhausted; `/cw retry` returns it to pending
  "cancelled", // added: `cw:run` removed, issue closed unfinished, or `/cw stop`
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_CATEGORIES = ["execute", "research", "discuss", "plan", "detail", "refine", "verify", "merge", "review"] as const;
export type TaskCategory = (typeof TASK_CATEGORIES)[number];

export const TASK_TYPES = ["auto", "checkpoint:human-verify", "checkpoint:decision", "checkpoint:human-action"] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const TASK_PRIORITIES = ["low", "medium", "high"] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

export const AGENT_STATUSES = ["idle", "running", "waiting_for_input", "stopped", "crashed"] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** The seed's agent modes plus the categories an agent may run as (CW_MODE). */
export const AGENT_MODES = [
  "execute",
  "discuss",
  "plan",
  "detail",
  "refine",
  "research", // added
  "verify", // added
  "merge", // added
  "review", // added: reviews a phase's pull request (`agent_review: true`)
] as const;
export type AgentMode = (typeof AGENT_MODES)[number];

export const CHANGE_SET_MODES = ["plan", "detail", "refine"] as const;
export const CHANGE_SET_STATUSES = [
  "applied",
  "reverted",
  "proposed", // added: waits for a writer's `/cw apply` (plan_approval)
  "applying", // added: its GitHub writes are under way (paced by the outbox)
  "reverting", // added: its undoing is under way
  "failed", // added: its applying stopped for good (a write GitHub refused, its milestone gone, its pages never pushed); `/cw revert` undoes what was made
] as const;
export type ChangeSetStatus = (typeof CHANGE_SET_STATUSES)[number];
export const CHANGE_SET_ENTITY_TYPES = ["page", "phase", "task", "phase_dependency"] as const;
export type ChangeSetEntityType = (typeof CHANGE_SET_ENTITY_TYPES)[number];
export const CHANGE_SET_ACTIONS = ["create", "update", "delete"] as const;

export const MESSAGE_PARTIES = ["agent", "user"] as const;
export const MESSAGE_TYPES = ["question", "info", "error", "response"] as const;
export const MESSAGE_STATUSES = ["pending", "read", "responded"] as const;

export const CONVERSATION_STATUSES = ["pending", "answered"] as const;

/** Inbox: a stored webhook delivery. */
export const DELIVERY_STATUSES = ["pending", "processing", "done", "ignored", "failed", "dead"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Outbox: one intended GitHub write. */
export const OUTBOX_STATUSES = ["pending", "processing", "done", "dead"] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];
