/**
 * Codex: `codex exec --json <prompt>`, or `codex exec --json resume <thread_id> <prompt>`. Its
 * events give the session (`thread.started`), the agent's messages (`item.completed` of type
 * `agent_message`), token usage (`turn.completed`) and failures (`turn.failed`, `error`).
 *
 * `codex exec` runs in a read-only sandbox unless told otherwise, where the agent could neither
 * edit its worktree nor write its result; the sandbox is set to workspace-write with `-c`
 * (`exec resume` rejects `--sandbox`, and a resumed thread would keep the mode it was started with).
 * That sandbox is bubblewrap, which needs a user namespace: where agents may not make one (the
 * Docker image: Docker's default seccomp profile), every command codex ran would fail, so codex
 * runs them unsandboxed (`danger-full-access`) and the agent's own user is what confines it
 * (`containment/`).
 *
 * Codex reads its API key from CODEX_API_KEY (OPENAI_API_KEY alone sends no key) and its API's
 * address from config.toml only (OPENAI_BASE_URL is ignored): an account writes both where codex
 * looks (`accounts/account-environment.ts`: a model provider of its own, without WebSockets); the
 * runner's own OPENAI_API_KEY / OPENAI_BASE_URL, passed through `CW_AGENT_ENV`, are handed on the
 * same way here, as `-c` overrides.
 */
import { parseEvent } from "./parse-event.js";
import { runAgent, type StreamFindings, type StreamParser } from "./run-agent.js";
import type { AgentAdapter, AgentFailure, AgentRunRequest, AgentRunResult, AgentUsage } from "./types.js";
import { isUsageLimitError, parseLimitReset } from "./usage-limit.js";
import { buildAgentEnv } from "./agent-env.js";
import { classifyProviderError } from "./provider-errors.js";
import { codexProviderOverrides } from "../accounts/account-environment.js";

const OWN_SANDBOX = ["-c", 'sandbox_mode="workspace-write"'];
const NO_OWN_SANDBOX = ["-c", 'sandbox_mode="danger-full-access"'];
/**
 * Codex retries a refused request five times, seconds apart, before it gives up ("Reconnecting...
 * n/5 (unexpected status 401 …)"). Credentials refused twice in a row will not be accepted on the
 * third try: the run ends there, and the runner sets the account aside.
 */
const AUTH_REFUSALS = 2;
/** How much of the agent's last message a missing-result error quotes. */
const QUOTED_MESSAGE_CHARS = 500;

export function createCodexAdapter(): AgentAdapter {
  return {
    name: "codex",
    run: (req: AgentRunRequest): Promise<AgentRunResult> => {
      const sessionId = req.resume?.sessionId;
      const { env, overrides } = codexSettings(req);
      const sandbox = req.sandbox?.userNamespaces === false ? NO_OWN_SANDBOX : OWN_SANDBOX;
      const args = ["exec", "--json", ...sandbox, ...overrides, "--skip-git-repo-check", ...(sessionId ? ["resume", sessionId] : []), req.prompt];
      return runAgent(req, { file: req.env.CW_CODEX_BIN ?? "codex", args, parser: new CodexStreamParser(), env });
    },
  };
}

/**
 * Config overrides that keep codex to its API: no update check, no analytics or feedback uploads,
 * and no plugins or apps (codex 0.171 otherwise syncs its plugin marketplace from github.com and
 * api.github.com and asks chatgpt.com about connectors on every start).
 */
const QUIET = [
  "check_for_update_on_startup=false",
  "analytics.enabled=false",
  "feedback.enabled=false",
  "features.plugins=false",
  "features.apps=false",
  "features.remote_plugin=false",
].flatMap((setting) => ["-c", setting]);

/**
 * The agent's environment, built once, with the runner's OPENAI_API_KEY / OPENAI_BASE_URL (passed
 * through `CW_AGENT_ENV`, or an account's `--env`) where codex reads them; an account's own
 * CODEX_API_KEY and config.toml win.
 */
function codexSettings(req: AgentRunRequest): { env: Record<string, string>; overrides: string[] } {
  const env = buildAgentEnv(req);
  const overrides = [...QUIET];
  if (!env.CODEX_API_KEY && env.OPENAI_API_KEY) env.CODEX_API_KEY = env.OPENAI_API_KEY;
  if (env.OPENAI_BASE_URL && !req.env.CODEX_HOME) overrides.push(...codexProviderOverrides(env.OPENAI_BASE_URL, env.CODEX_API_KEY ? "api_key" : "login"));
  return { env, overrides };
}

export class CodexStreamParser implements StreamParser {
  private sessionId: string | undefined;
  private lastMessage: string | undefined;
  private lastError: string | undefined;
  private usageLimit: string | undefined;
  private usage: AgentUsage | undefined;
  private failureKind: AgentFailure | undefined;
  private authRefusals = 0;
  private endedBy: string | undefined;

  read(line: string): "continue" | "end" {
    const event = parseEvent(line);
    if (!event) return "continue";
    switch (event.type) {
      case "thread.started":
        if (typeof event.thread_id === "string") this.sessionId = event.thread_id;
        break;
      case "item.completed": {
        const item = event.item as { type?: unknown; text?: unknown; message?: unknown } | undefined;
        if (item?.type === "agent_message" && typeof item.text === "string") this.lastMessage = item.text;
        if (item?.type === "error" && typeof item.message === "string") this.lastError = item.message;
        break;
      }
      case "turn.completed":
        this.addUsage(event.usage);
        break;
      case "turn.failed": {
        const error = event.error as { message?: unknown } | undefined;
        this.failed(typeof error?.message === "string" ? error.message : "the turn failed");
        break;
      }
      case "error": {
        const message = typeof event.message === "string" ? event.message : "error";
        this.failed(message);
        if (classifyProviderError(message) === "auth" && ++this.authRefusals >= AUTH_REFUSALS) {
          this.endedBy = `the API kept refusing the credentials (${message}); stopped after ${this.authRefusals} refusals`;
          return "end";
        }
        break;
      }
    }
    return "continue";
  }

  private failed(message: string): void {
    this.lastError = message;
    this.failureKind = classifyProviderError(message) ?? this.failureKind;
    if (isUsageLimitError(message)) this.usageLimit = message;
  }

  private addUsage(value: unknown): void {
    const usage = value as { input_tokens?: unknown; output_tokens?: unknown } | undefined;
    if (!usage) return;
    const total: AgentUsage = this.usage ?? {};
    if (typeof usage.input_tokens === "number") total.inputTokens = (total.inputTokens ?? 0) + usage.input_tokens;
    if (typeof usage.output_tokens === "number") total.outputTokens = (total.outputTokens ?? 0) + usage.output_tokens;
    this.usage = total;
  }

  findings(): StreamFindings {
    const findings: StreamFindings = {};
    if (this.sessionId !== undefined) findings.sessionId = this.sessionId;
    if (this.usage) findings.usage = this.usage;
    if (this.usageLimit) {
      const resetAt = parseLimitReset(this.usageLimit);
      findings.usageLimit = { message: this.usageLimit, ...(resetAt ? { resetAt } : {}) };
    }
    if (this.failureKind) findings.failureKind = this.failureKind;
    if (this.endedBy) findings.failure = this.endedBy;
    if (this.lastError) findings.detail = this.lastError;
    else if (this.lastMessage) findings.detail = `its last message: ${quoted(this.lastMessage)}`;
    return findings;
  }
}

function quoted(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > QUOTED_MESSAGE_CHARS ? `${flat.slice(0, QUOTED_MESSAGE_CHARS)}…` : flat;
}
