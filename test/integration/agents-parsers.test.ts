/**
 * The pure parts of the agent adapters, without processes: usage-limit texts and reset times,
 * the claude and codex event parsers, and the agent environment.
 */
import { describe, expect, it } from "vitest";
import { buildAgentEnv } from "../../src/runner/agents/agent-env.js";
import { ClaudeStreamParser } from "../../src/runner/agents/claude-adapter.js";
import { CodexStreamParser } from "../../src/runner/agents/codex-adapter.js";
import type { AgentRunRequest } from "../../src/runner/agents/types.js";
import { isUsageLimitError, isUsageLimitNotice, parseLimitReset } from "../../src/runner/agents/usage-limit.js";

const NOW = new Date("2026-03-10T12:00:00Z");

describe("usage limits", () => {
  it.each([
    ["Claude AI usage limit reached|1773158400", new Date(1773158400 * 1000)],
    ["limit reached, resets at 2026-03-10T17:00:00Z", new Date("2026-03-10T17:00:00Z")],
    ["5-hour limit reached ∙ resets 3pm (UTC)", new Date("2026-03-10T15:00:00Z")],
    ["You've hit your limit · resets 9am (UTC)", new Date("2026-03-11T09:00:00Z")],
    ["5-hour limit reached ∙ resets 3pm (Europe/Berlin)", new Date("2026-03-10T14:00:00Z")],
    ["You've hit your usage limit. Try again in 4 days 20 hours 9 minutes.", new Date(NOW.getTime() + ((4 * 24 + 20) * 60 + 9) * 60_000)],
    ["Rate limited; retry in 90 seconds", new Date(NOW.getTime() + 90_000)],
  ])("reads the reset time of %j", (text, expected) => {
    expect(parseLimitReset(text, NOW)?.toISOString()).toBe(expected.toISOString());
  });

  it("has no reset time when the text gives none", () => {
    expect(parseLimitReset("usage limit reached", NOW)).toBeUndefined();
  });

  it("tells a limit notice from an answer that mentions limits", () => {
    expect(isUsageLimitNotice("Claude AI usage limit reached|1773158400")).toBe(true);
    expect(isUsageLimitNotice("5-hour limit reached ∙ resets 3pm")).toBe(true);
    expect(isUsageLimitNotice("Added rate limiting to the login endpoint; the usage limit reached message is now translated.")).toBe(false);
    expect(isUsageLimitError("You've hit your usage limit. Upgrade to Pro")).toBe(true);
    expect(isUsageLimitError("API Error: 429 rate_limit_error")).toBe(true);
    expect(isUsageLimitError("stream disconnected before completion")).toBe(false);
  });
});

const feed = <P extends { read(line: string): unknown }>(parser: P, events: unknown[]): P => {
  for (const event of events) parser.read(typeof event === "string" ? event : JSON.stringify(event));
  return parser;
};

describe("ClaudeStreamParser", () => {
  it("takes the session, the answer, usage and cost, and ignores what is not JSON", () => {
    const parser = feed(new ClaudeStreamParser(), [
      "some plain text",
      { type: "system", subtype: "init", session_id: "s-1" },
      { type: "assistant", message: { content: [] } },
      { type: "result", subtype: "success", is_error: false, result: "Did it.", total_cost_usd: 0.5, usage: { input_tokens: 10, output_tokens: 20 } },
    ]);
    expect(parser.findings()).toEqual({
      sessionId: "s-1",
      usage: { inputTokens: 10, outputTokens: 20, costUsd: 0.5 },
      streamResult: { outcome: "done", summary: "Did it." },
    });
  });

  it("turns an error result into an error", () => {
    const parser = feed(new ClaudeStreamParser(), [{ type: "result", subtype: "error_max_turns", is_error: true, session_id: "s-2" }]);
    expect(parser.findings()).toMatchObject({ sessionId: "s-2", streamResult: { outcome: "error", message: "claude ended with error_max_turns" } });
  });

  it("ends the run after repeated 429 retries, but not after retries the API recovered from", () => {
    const retry = { type: "system", subtype: "api_retry", error_status: 429, error: "rate_limit" };
    const parser = new ClaudeStreamParser();
    expect(parser.read(JSON.stringify(retry))).toBe("continue");
    expect(parser.read(JSON.stringify(retry))).toBe("continue");
    expect(parser.read(JSON.stringify({ type: "assistant" }))).toBe("continue");
    expect(parser.read(JSON.stringify(retry))).toBe("continue");
    expect(parser.read(JSON.stringify(retry))).toBe("continue");
    expect(parser.read(JSON.stringify(retry))).toBe("end");
    expect(parser.findings().usageLimit?.message).toMatch(/rate_limit \(HTTP 429\)/);
  });

  it("does not end the run for server errors", () => {
    const parser = new ClaudeStreamParser();
    for (let i = 0; i < 5; i++) {
      expect(parser.read(JSON.stringify({ type: "system", subtype: "api_retry", error_status: 529, error: "server_error" }))).toBe("continue");
    }
  });
});

describe("CodexStreamParser", () => {
  it("takes the thread, sums usage over turns and keeps the last message", () => {
    const parser = feed(new CodexStreamParser(), [
      { type: "thread.started", thread_id: "t-1" },
      { type: "item.completed", item: { type: "agent_message", text: "first" } },
      { type: "turn.completed", usage: { input_tokens: 5, output_tokens: 1 } },
      { type: "item.completed", item: { type: "agent_message", text: "last" } },
      { type: "turn.completed", usage: { input_tokens: 7, output_tokens: 2 } },
    ]);
    expect(parser.findings()).toEqual({
      sessionId: "t-1",
      usage: { inputTokens: 12, outputTokens: 3 },
      detail: "its last message: last",
    });
  });

  it("reports a failed turn, and a usage limit as one", () => {
    const failed = feed(new CodexStreamParser(), [{ type: "turn.failed", error: { message: "model not found" } }]);
    expect(failed.findings()).toEqual({ detail: "model not found" });
    const limited = feed(new CodexStreamParser(), [{ type: "error", message: "You've hit your usage limit." }]);
    expect(limited.findings().usageLimit).toEqual({ message: "You've hit your usage limit." });
  });

  it("ends the run at the second refusal of the credentials, not after codex's five reconnects", () => {
    const parser = new CodexStreamParser();
    const refused = (n: number) =>
      JSON.stringify({ type: "error", message: `Reconnecting... ${n}/5 (unexpected status 401 Unauthorized: Incorrect API key provided)` });
    expect(parser.read(JSON.stringify({ type: "error", message: "Reconnecting... 1/5 (stream disconnected before completion)" }))).toBe("continue");
    expect(parser.read(refused(2))).toBe("continue");
    expect(parser.read(refused(3))).toBe("end");
    expect(parser.findings()).toMatchObject({ failureKind: "auth", failure: expect.stringContaining("stopped after 2 refusals") });
  });
});

describe("buildAgentEnv", () => {
  const req = {
    taskId: "t",
    mode: "execute",
    inputDir: "/w/.cw/input",
    outputDir: "/w/.cw/output",
    env: { CODEX_HOME: "/accounts/1", GH_TOKEN: "no", CW_MODE: "plan" },
    resume: { sessionId: null },
  } as unknown as AgentRunRequest;

  it("keeps the allowlist, adds the request's env without forbidden names, and sets the protocol last", () => {
    const env = buildAgentEnv(req, {
      PATH: "/bin",
      HOME: "/home/runner",
      LC_ALL: "C.UTF-8",
      PRIVATE_KEY: "k",
      DATABASE_URL: "postgres://",
      NODE_OPTIONS: "--inspect",
      AWS_SECRET_ACCESS_KEY: "a",
    });
    expect(env).toEqual({
      PATH: "/bin",
      HOME: "/home/runner",
      LC_ALL: "C.UTF-8",
      CODEX_HOME: "/accounts/1",
      CW_INPUT_DIR: "/w/.cw/input",
      CW_OUTPUT_DIR: "/w/.cw/output",
      CW_MODE: "execute",
      CW_TASK_ID: "t",
      CW_RESUME: "1",
    });
  });
});
