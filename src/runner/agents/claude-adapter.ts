/**
 * Claude Code: `claude -p <prompt> --output-format stream-json --verbose --permission-mode
 * acceptEdits [--resume <session>]`. Its stream gives the session id (`system/init`), the final
 * answer with cost and usage (`result`), and API retries (`system/api_retry`). The answer stands
 * in for `.cw/output/result.json` when the agent wrote none (DESIGN §3: the file wins).
 *
 * Claude Code retries a failing API call up to 10 times with growing delays; repeated 401/403 or
 * 429 retries end the run early instead (STACK.md, "Agent CLIs").
 */
import { parseEvent } from "./parse-event.js";
import { runAgent, type StreamFindings, type StreamParser } from "./run-agent.js";
import type { AgentAdapter, AgentRunRequest, AgentRunResult, AgentUsage } from "./types.js";
import { isUsageLimitError, isUsageLimitNotice, parseLimitReset } from "./usage-limit.js";

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
      return runAgent(req, { file: req.env.CW_CLAUDE_BIN ?? "claude", args, parser: new ClaudeStreamParser() });
    },
  };
}

interface ResultEvent {
  subtype?: string;
  is_error?: boolean;
  result?: string;
  errors?: unknown;
  total_cost_usd?: number;
  usage?: { input_tokens?: number; output_tokens?: number };
  session_id?: string;
}

export class ClaudeStreamParser implements StreamParser {
  private sessionId: string | null | undefined;
  private result: ResultEvent | undefined;
  private rateLimitRetries = 0;
  private authFailureRetries = 0;
  private lastRetryError: string | undefined;
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
      findings.streamResult = { outcome: "error", message: `claude ended with ${result.subtype ?? "an error"}${why ? `: ${why}` : ""}` };
    } else {
      findings.streamResult = { outcome: "done", summary: text };
    }
    return findings;
  }
}

function usageOf(result: ResultEvent): AgentUsage | undefined {
  const usage: AgentUsage = {};
  if (typeof result.usage?.input_tokens === "number") usage.inputTokens = result.usage.input_tokens;
  if (typeof result.usage?.output_tokens === "number") usage.outputTokens = result.usage.output_tokens;
  if (typeof result.total_cost_usd === "number") usage.costUsd = result.total_cost_usd;
  return Object.keys(usage).length > 0 ? usage : undefined;
}
