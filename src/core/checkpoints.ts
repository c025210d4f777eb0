/**
 * Checkpoint task types (`cw:checkpoint:*`): tasks that a person finishes, not an agent alone.
 * - `human-verify`: the agent runs as usual, then its work waits for a writer's `/cw approve`.
 * - `decision`: no agent runs; a writer's reply is the decision.
 * - `human-action`: no agent runs; a person does the work and closes the issue.
 * Pure: which tasks a runner may take, and what a task is waiting for.
 */
import type { TaskStatus, TaskType } from "./statuses.js";

/** Types no agent ever runs: a person is asked as soon as the task is ready. */
export const PERSON_CHECKPOINT_TYPES = ["checkpoint:decision", "checkpoint:human-action"] as const satisfies readonly TaskType[];

export function isPersonCheckpoint(type: TaskType): boolean {
  return (PERSON_CHECKPOINT_TYPES as readonly TaskType[]).includes(type);
}

/** Whether a finished agent run completes the task; a human-verify checkpoint waits for approval instead. */
export function completesWhenAgentDone(type: TaskType): boolean {
  return type !== "checkpoint:human-verify";
}

/**
 * What a task waits for from a person:
 * - `answers`: its agent asked questions (the next writer's reply resumes it);
 * - `approval`: its agent's work awaits a writer's `/cw approve`;
 * - `decision`: a writer's reply decides;
 * - `action`: someone does the work and closes the issue.
 */
export type PersonWait = "answers" | "approval" | "decision" | "action";

export interface WaitFacts {
  type: TaskType;
  status: TaskStatus;
  /** A runner holds the task: its agent is at work. */
  claimed: boolean;
  /** Its last agent asked questions and waits for the answers. */
  agentWaiting: boolean;
}

/**
 * A task in progress that no runner holds is waiting for a person; its type (or its agent's
 * questions) says for what. Null when nobody is asked anything.
 */
export function personWait(t: WaitFacts): PersonWait | null {
  if (t.status !== "in_progress" || t.claimed) return null;
  if (t.agentWaiting) return "answers";
  switch (t.type) {
    case "checkpoint:human-verify":
      return "approval";
    case "checkpoint:decision":
      return "decision";
    case "checkpoint:human-action":
      return "action";
    case "auto":
      return null;
  }
}

/**
 * In progress, but neither held by a runner nor waiting for a person: nothing would ever move
 * it (its checkpoint label was taken off while it waited). The planner makes it ready again.
 */
export function isStranded(t: WaitFacts): boolean {
  return t.status === "in_progress" && !t.claimed && personWait(t) === null;
}
