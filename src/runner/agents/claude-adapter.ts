/**
 * Claude Code: `claude -p <prompt> --output-format stream-json --verbose --permission-mode
 * acceptEdits [--resume <session>]`. Its stream gives the session id (`system/init`), the final
 * answer with cost and usage (`result`), and API retries (`system/api_retry`). The answer stands
 * in for `.cw/output/result.json` when the agent wrote none (DESIGN §3: the file wins).
 *
 * Claude Code retries a failing API call up to 10 times with growing delays; repeated 401/403 or
 * 429 retries end the run early instead (STACK.md, "Agent CLIs").
 *
 * It is told to make no request but the API's (`QUIET_ENV`): no telemetry, error reports,
 * update checks or other "nonessential" traffic. Where the API is, `ANTHROPIC_BASE_URL` says
 * (an account's `--base-url`, or the runner's own variable through `CW_AGENT_ENV`).
 *
 * Errors are told apart (`provider-errors.ts`): refused credentials, a passing outage (529
 * overloaded, a stream cut), and a session it no longer knows — never "ended with success".
 */
import { parseEvent } from "./parse-event.js";
import { runAgent, type StreamFindings, type StreamParser } from "./run-agent.js";
import type { AgentAdapter, AgentRunRequest, AgentRunResult, AgentUsage } from "./types.js";
import { isUsageLimitError, isUsageLimitNotice, parseLimitReset } from "./usage-limit.js";
import { classifyProviderError, classifyStatus } from "./provider-errors.js";
import type { AgentFailure } from "./types.js";

/** Claude Code's own switches for a headless run that talks to its API and nothing else. */
export const CLAUDE_QUIET_ENV: Record<string, string> = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  DISABLE_AUTOUPDATER: "1",
  DISABLE_TELEMETRY: "1",
  DISABLE_ERROR_REPORTING: "1",
  DISABLE_BUG_COMMAND: "1",
};

/** Retries answered 429 (or a billing error) before the account counts as exhausted. */
const RATE_LIMIT_RETRIES = 3;
/** Retries answered 401/403 before the credentials count as broken. */
const AUTH_FAILURE_RETRIES = 2;

export function createClaudeAdapter(): AgentAdapter {
  return {
    name: "claude",
    run: (req: AgentRunRequest): Promise<AgentRunResult> => {
      const args = ["-p", req.prompt, "--output-format", "stream-json", "--verbose", "--permission-mode", "acceptEdits"];
      if (req.resume?.sessionId) args.push("--resume", req.resume.sessionId);
      // The quiet switches win over anything passed through: they are what keeps it offline.
      const quiet = { ...req, env: { ...req.env, ...CLAUDE_QUIET_ENV } };
      return runAgent(quiet, { file: req.env.CW_CLAUDE_BIN ?? "claude", args, parser: new ClaudeStreamParser() });
    },
  };
}

interface ResultEvent {
  subtype?: string;
  is_error?: boolean;
  result?: string;
  errors?: unknown;
  total_cost_usd?: number;
  usage?: { input_tokens?: number; output_tokens?: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number };
  session_id?: string;
}

export class ClaudeStreamParser implements StreamParser {
  private sessionId: string | null | undefined;
  private result: ResultEvent | undefined;
  private rateLimitRetries = 0;
  private authFailureRetries = 0;
  private lastRetryError: string | undefined;
  private lastRetryKind: AgentFailure | undefined;
  private endedBy: "rate_limit" | "auth" | undefined;

  read(line: string): "continue" | "end" {
    const event = parseEvent(line);
    if (!event) return "continue";
    if (event.type === "system" && event.subtype === "init") {
      if (typeof event.session_id === "string") this.sessionId = event.session_id;
    } else if (event.type === "result") {
      this.result = event as ResultEvent;
      if (typeof event.session_id === "string") this.sessionId ??= event.session_id;
    } else if (event.type === "system" && event.subtype === "api_retry") {
      return this.retry(event);
    } else if (event.type === "assistant") {
      // The API answered: earlier retries were passing trouble.
      this.rateLimitRetries = 0;
      this.authFailureRetries = 0;
    }
    return "continue";
  }

  private retry(event: Record<string, unknown>): "continue" | "end" {
    const status = typeof event.error_status === "number" ? event.error_status : null;
    const error = typeof event.error === "string" ? event.error : "";
    this.lastRetryError = `${error || "API error"}${status === null ? "" : ` (HTTP ${status})`}`;
    this.lastRetryKind = classifyStatus(status) ?? classifyProviderError(error);
    if (status === 429 || status === 402 || error === "rate_limit" || error === "billing_error") {
      if (++this.rateLimitRetries >= RATE_LIMIT_RETRIES) this.endedBy = "rate_limit";
    } else if (status === 401 || status === 403 || error === "authentication_failed") {
      if (++this.authFailureRetries >= AUTH_FAILURE_RETRIES) this.endedBy = "auth";
    }
    return this.endedBy ? "end" : "continue";
  }

  findings(): StreamFindings {
    const findings: StreamFindings = {};
    if (this.sessionId !== undefined) findings.sessionId = this.sessionId;
    if (this.endedBy === "rate_limit") {
      findings.usageLimit = {
        message: `the API kept refusing with ${this.lastRetryError}; stopped after ${this.rateLimitRetries} retries`,
      };
    } else if (this.endedBy === "auth") {
      findings.failure = `the API kept refusing the credentials with ${this.lastRetryError}; stopped after ${this.authFailureRetries} retries`;
      findings.failureKind = "auth";
    }
    const result = this.result;
    if (!result) return findings;

    const usage = usageOf(result);
    if (usage) findings.usage = usage;
    const text = typeof result.result === "string" ? result.result : "";
    const failed = result.is_error === true || (result.subtype !== undefined && result.subtype !== "success");
    if ((failed && isUsageLimitError(`${text} ${result.subtype ?? ""}`)) || isUsageLimitNotice(text)) {
      const resetAt = parseLimitReset(text);
      findings.usageLimit = { message: text || "usage limit reached", ...(resetAt ? { resetAt } : {}) };
    }
    if (failed) {
      const errors = Array.isArray(result.errors) ? result.errors.filter((e) => typeof e === "string").join("; ") : "";
      const why = [text, errors].filter(Boolean).join(" — ");
      const kind = classifyProviderError(why) ?? this.lastRetryKind;
      if (kind && !findings.failureKind) findings.failureKind = kind;
      // An error result may carry the subtype "success" (the turn ended, on an API error): name the error, not the subtype.
      const how = result.subtype && result.subtype !== "success" ? result.subtype : "an API error";
      findings.streamResult = { outcome: "error", message: `claude ended with ${how}${why ? `: ${why}` : ""}` };
    } else {
      findings.streamResult = { outcome: "done", summary: text };
    }
    return findings;
  }
}

function usageOf(result: ResultEvent): AgentUsage | undefined {
  const usage: AgentUsage = {};
  // Tokens read from or written to the prompt cache are input too (billed at their own rates):
  // leaving them out made a long session look almost free.
  const input = [result.usage?.input_tokens, result.usage?.cache_read_input_tokens, result.usage?.cache_creation_input_tokens].filter(
    (n): n is number => typeof n === "number",
  );
  if (input.length > 0) usage.inputTokens = input.reduce((a, b) => a + b, 0);
  if (typeof result.usage?.output_tokens === "number") usage.outputTokens = result.usage.output_tokens;
  if (typeof result.total_cost_usd === "number") usage.costUsd = result.total_cost_usd;
  return Object.keys(usage).length > 0 ? usage : undefined;
}
