/**
 * The environment an agent runs with (DESIGN §2 principle 7, §3): built from nothing. A few
 * harmless variables of the runner's own environment, those `CW_AGENT_ENV` names, the account's
 * credentials and settings, then the protocol variables. The app's secrets (PRIVATE_KEY, WEBHOOK_SECRET, DATABASE_URL,
 * CW_SECRET_KEY, …) and any GitHub token never reach it, whatever the runner's environment holds.
 */
import { FORBIDDEN_AGENT_ENV, isForbiddenAgentEnv } from "./agent-env-names.js";
import type { AgentRunRequest } from "./types.js";

/** Variables copied from the runner's environment when set. */
const INHERITED = ["PATH", "HOME", "LANG", "TERM", "TMPDIR", "USER", "SHELL", "TZ"];
const INHERITED_PREFIXES = ["LC_"];

/** The protocol variables; set last, so nothing can override them. */
export function protocolEnv(req: AgentRunRequest): Record<string, string> {
  return {
    CW_INPUT_DIR: req.inputDir,
    CW_OUTPUT_DIR: req.outputDir,
    CW_MODE: req.mode,
    CW_TASK_ID: req.taskId,
    ...(req.resume ? { CW_RESUME: "1" } : {}),
  };
}

/** The agent's whole environment; spawn it with `extendEnv: false`. */
export function buildAgentEnv(req: AgentRunRequest, runnerEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  const passed = new Set(req.passEnv ?? []);
  for (const [name, value] of Object.entries(runnerEnv)) {
    if (value === undefined) continue;
    if (INHERITED.includes(name) || INHERITED_PREFIXES.some((prefix) => name.startsWith(prefix))) env[name] = value;
    // Checked again here: a list that reached the runner some other way than config.ts.
    else if (passed.has(name) && !isForbiddenAgentEnv(name)) env[name] = value;
  }
  for (const [name, value] of Object.entries(req.env)) {
    if (typeof value === "string" && !FORBIDDEN_AGENT_ENV.has(name)) env[name] = value;
  }
  return { ...env, ...protocolEnv(req) };
}
