import { createClaudeAdapter } from "./claude-adapter.js";
import { createCodexAdapter } from "./codex-adapter.js";
import { createCommandAdapter } from "./command-adapter.js";
import type { AgentAdapter, AgentName } from "./types.js";

/** The adapter for `CW_AGENT`. */
export function createAgentAdapter(name: AgentName): AgentAdapter {
  switch (name) {
    case "claude":
      return createClaudeAdapter();
    case "codex":
      return createCodexAdapter();
    case "command":
      return createCommandAdapter();
    default:
      throw new Error(`unknown agent adapter: ${String(name satisfies never)}`);
  }
}
