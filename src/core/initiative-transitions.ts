import type { InitiativeStatus } from "./statuses.js";
import { defineStateMachine, transitionTable } from "./state-machine.js";

/** An initiative follows its milestone: closing completes it, reopening makes it active again. */
export const INITIATIVE_TRANSITIONS = transitionTable<InitiativeStatus>({
  active: ["completed", "archived"],
  completed: ["active", "archived"],
  archived: [
    "active", // unarchived; it goes back to active so its work can be looked at again
  ],
});

export const initiativeMachine = defineStateMachine("initiative", INITIATIVE_TRANSITIONS);
export const canInitiativeTransition = initiativeMachine.can;
export const initiativeTransition = initiativeMachine.transition;
