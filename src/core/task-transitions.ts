import type { TaskStatus } from "./statuses.js";
import { defineStateMachine, transitionTable } from "./state-machine.js";

/**
 * A task's lifecycle. GitHub is where people act, so a move a person can cause there (closing or
 * reopening the issue, removing `cw:run`) is allowed from every status where it makes sense,
 * rather than leaving the app unable to record what already happened.
 */
export const TASK_TRANSITIONS = transitionTable<TaskStatus>({
  pending_approval: [
    "pending", // approved
    "cancelled",
    "completed", // a person did it by hand and closed the issue as completed
  ],
  pending: [
    "in_progress", // claimed by a runner, or a checkpoint that waits for its person
    "blocked", // a cycle, a missing dependency
    "cancelled",
    "pending_approval", // the initiative started requiring approval before anything ran
    "completed", // a human-action checkpoint closed by a person
  ],
  in_progress: [
    "completed",
    "pending", // requeued after a crash or a retry, resumed once its questions are answered, or run again instead of approved
    "failed", // retries exhausted
    "blocked", // its PR was closed unmerged
    "cancelled", // `/cw stop`, `cw:run` removed, issue closed
  ],
  blocked: [
    "pending", // the cycle or missing dependency was fixed
    "in_progress", // a decision or human-action checkpoint is free to go: it waits for its person at once
    "cancelled",
    "pending_approval",
    "completed", // closed as completed by a person
  ],
  failed: [
    "pending", // `/cw retry`
    "cancelled",
    "completed", // fixed by hand and closed as completed
  ],
  cancelled: [
    "pending", // `cw:run` added again, issue reopened
    "pending_approval",
  ],
  completed: [
    "pending", // issue reopened, or a re-run asked for
  ],
});

export const taskMachine = defineStateMachine("task", TASK_TRANSITIONS);
export const canTaskTransition = taskMachine.can;
export const taskTransition = taskMachine.transition;
