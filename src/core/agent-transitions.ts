import type { AgentStatus } from "./statuses.js";
import { defineStateMachine, transitionTable } from "./state-machine.js";

/** An agent process as the runner sees it. Only a running or waiting process can crash. */
export const AGENT_TRANSITIONS = transitionTable<AgentStatus>({
  idle: ["running", "stopped"],
  running: [
    "waiting_for_input", // it asked questions
    "idle", // finished its task
    "stopped", // `/cw stop`, timeout
    "crashed", // non-zero exit without a result
  ],
  waiting_for_input: [
    "running", // resumed with the answers
    "stopped",
    "crashed", // its session could not be resumed
  ],
  crashed: ["running", "stopped"],
  stopped: [
    "running", // resumed
  ],
});

export const agentMachine = defineStateMachine("agent", AGENT_TRANSITIONS);
export const canAgentTransition = agentMachine.can;
export const agentTransition = agentMachine.transition;
