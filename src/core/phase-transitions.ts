import type { PhaseStatus } from "./statuses.js";
import { defineStateMachine, transitionTable } from "./state-machine.js";

/**
 * A phase's lifecycle: its tasks run (in_progress), its PR waits for review (pending_review), and
 * the merge completes it. `blocked` holds it for a reason outside its tasks (a dependency phase not
 * merged, a cycle, its PR closed unmerged); leaving `blocked` returns to wherever the phase was.
 */
export const PHASE_TRANSITIONS = transitionTable<PhaseStatus>({
  pending: [
    "approved", // its plan was approved (review_per_phase)
    "in_progress", // yolo: no approval step
    "blocked",
  ],
  approved: [
    "in_progress",
    "blocked",
    "pending", // approval withdrawn before any task started (plan refined again)
  ],
  in_progress: [
    "pending_review", // every task done, PR opened
    "completed", // yolo: merged as soon as checks pass, no review wait
    "blocked",
  ],
  pending_review: [
    "in_progress", // changes requested, new commits, or a task reopened
    "completed", // merged
    "blocked", // PR closed unmerged
  ],
  blocked: ["pending", "approved", "in_progress", "pending_review"],
  completed: [
    "in_progress", // the phase issue or one of its tasks was reopened after the merge
  ],
});

export const phaseMachine = defineStateMachine("phase", PHASE_TRANSITIONS);
export const canPhaseTransition = phaseMachine.can;
export const phaseTransition = phaseMachine.transition;
