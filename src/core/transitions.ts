/**
 * One entry point for every lifecycle, for code that handles several entities alike (the
 * reconcile pass, tests). Entity-specific code can import `taskTransition` and friends directly.
 */
import type { AgentStatus, InitiativeStatus, PhaseStatus, TaskStatus } from "./statuses.js";
import { agentMachine } from "./agent-transitions.js";
import { initiativeMachine } from "./initiative-transitions.js";
import { phaseMachine } from "./phase-transitions.js";
import type { StateMachine, TransitionEntity, TransitionTable } from "./state-machine.js";
import { taskMachine } from "./task-transitions.js";

export { InvalidTransitionError, type TransitionEntity, type TransitionTable } from "./state-machine.js";
export { TASK_TRANSITIONS, taskTransition, canTaskTransition } from "./task-transitions.js";
export { PHASE_TRANSITIONS, phaseTransition, canPhaseTransition } from "./phase-transitions.js";
export { INITIATIVE_TRANSITIONS, initiativeTransition, canInitiativeTransition } from "./initiative-transitions.js";
export { AGENT_TRANSITIONS, agentTransition, canAgentTransition } from "./agent-transitions.js";

export interface EntityStatus {
  task: TaskStatus;
  phase: PhaseStatus;
  initiative: InitiativeStatus;
  agent: AgentStatus;
}

export const TRANSITION_TABLES: { readonly [E in TransitionEntity]: TransitionTable<EntityStatus[E]> } = {
  task: taskMachine.table,
  phase: phaseMachine.table,
  initiative: initiativeMachine.table,
  agent: agentMachine.table,
};

const MACHINES: { readonly [E in TransitionEntity]: StateMachine<EntityStatus[E]> } = {
  task: taskMachine,
  phase: phaseMachine,
  initiative: initiativeMachine,
  agent: agentMachine,
};

export function canTransition<E extends TransitionEntity>(entity: E, from: EntityStatus[E], to: EntityStatus[E]): boolean {
  const machine: StateMachine<EntityStatus[E]> = MACHINES[entity];
  return machine.can(from, to);
}

/** Returns `to`, or throws an InvalidTransitionError naming the entity and both statuses. */
export function assertTransition<E extends TransitionEntity>(entity: E, from: EntityStatus[E], to: EntityStatus[E]): EntityStatus[E] {
  const machine: StateMachine<EntityStatus[E]> = MACHINES[entity];
  return machine.transition(from, to);
}
