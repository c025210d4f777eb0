/**
 * Any CLI (DESIGN §3): `CW_AGENT_COMMAND` through `sh -c`, with the protocol environment. The
 * command reads `.cw/input/` and writes `.cw/output/result.json` itself.
 */
import { runAgent } from "./run-agent.js";
import type { AgentAdapter, AgentRunRequest, AgentRunResult } from "./types.js";

export function createCommandAdapter(): AgentAdapter {
  return {
    name: "command",
    run: async (req: AgentRunRequest): Promise<AgentRunResult> => {
      if (!req.command?.trim()) {
        return {
          outcome: "error",
          message: "no agent command: set CW_AGENT_COMMAND for CW_AGENT=command",
          exitCode: null,
          logTail: "",
        };
      }
      return runAgent(req, { file: "/bin/sh", args: ["-c", req.command] });
    },
  };
}
