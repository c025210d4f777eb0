/**
 * The environment an agent runs with (DESIGN §2 principle 7, §3): built from nothing. A few
 * harmless variables of the runner's own environment, the account's credentials, then the
 * protocol variables. The app's secrets (PRIVATE_KEY, WEBHOOK_SECRET, DATABASE_URL,
 * CW_SECRET_KEY, …) and any GitHub token never reach it, whatever the runner's environment holds.
 */
import type { AgentRunRequest } from "./types.js";

/** Variables copied from the runner's environment when set. */
const INHERITED = ["PATH", "HOME", "LANG", "TERM", "TMPDIR", "USER", "SHELL", "TZ"];
const INHERITED_PREFIXES = ["LC_"];

/**
 * Never given to an agent, not even through `req.env`: the app's own settings and secrets, and
 * GitHub credentials (agents hold no token; the runner pushes).
 */
const FORBIDDEN = new Set([
  "APP_ID",
  "PRIVATE_KEY",
  "PRIVATE_KEY_PATH",
  "WEBHOOK_SECRET",
  "WEBHOOK_PROXY_URL",
  "DATABASE_URL",
  "CW_SECRET_KEY",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "GITHUB_ENTERPRISE_TOKEN",
  "GH_ENTERPRISE_TOKEN",
  "GITHUB_CLIENT_SECRET",
  "GITHUB_PRIVATE_KEY",
]);

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
export function buildAgentEnv(
  req: AgentRunRequest,
  runnerEnv: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(runnerEnv)) {
    if (value === undefined) continue;
    if (INHERITED.includes(name) || INHERITED_PREFIXES.some((prefix) => name.startsWith(prefix))) env[name] = value;
  }
  for (const [name, value] of Object.entries(req.env)) {
    if (typeof value === "string" && !FORBIDDEN.has(name)) env[name] = value;
  }
  return { ...env, ...protocolEnv(req) };
}
