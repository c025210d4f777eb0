/**
 * One interface for every agent CLI (DESIGN §3, "Agent protocol"): the runner hands an adapter
 * a worktree, input and output directories and a scrubbed environment; the adapter runs the
 * agent to its end and says how it ended.
 */
import type { AgentMode } from "../../core/statuses.js";
import type { ModeFields } from "../../core/agent-modes.js";
import type { AgentProcessSandbox } from "../containment/agent-session.js";

export interface AgentRunRequest {
  taskId: string;
  mode: AgentMode;
  /** Absolute paths. */
  worktree: string;
  inputDir: string;
  outputDir: string;
  /** Instructions: read .cw/input/task.md etc. */
  prompt: string;
  /** Present when resuming (CW_RESUME=1), with the session to resume if known. */
  resume?: { sessionId: string | null };
  timeoutSeconds: number;
  /** No output for this long ends the run as "stalled". */
  idleSeconds: number;
  /** Extra environment for the agent: account credentials (ANTHROPIC_API_KEY, CLAUDE_CONFIG_DIR, CODEX_HOME, HOME). */
  env: Record<string, string>;
  /** Names of the runner's variables passed through (`CW_AGENT_ENV`); the account's `env` wins over them. */
  passEnv?: string[];
  /** For the command adapter (CW_AGENT_COMMAND). */
  command?: string;
  redact: (text: string) => string;
  /** Redacted output lines, as they stream (stdout and stderr), a chunk of lines per call. */
  onOutput(lines: string[]): void;
  onSpawn?(pid: number): void;
  /** Stop: the whole process group is killed within seconds. */
  signal?: AbortSignal;
  /**
   * Runs the agent as its own OS user, contained (`containment/`); absent only where agents run
   * uncontained (CW_UNSAFE_AGENTS=1, and unit tests of the adapters).
   */
  sandbox?: AgentProcessSandbox;
}

export type AgentOutcome = "done" | "questions" | "error" | "crashed" | "timeout" | "stalled" | "stopped" | "usage_limited";

export interface AgentQuestion {
  id: string;
  question: string;
}

export interface AgentUsage {
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

export interface AgentRunResult {
  outcome: AgentOutcome;
  summary?: string;
  /** A done result's fields for its mode (verdict, findings, decisions, review), unchecked. */
  modeFields?: ModeFields;
  questions?: AgentQuestion[];
  message?: string;
  exitCode: number | null;
  signal?: string | null;
  sessionId?: string | null;
  usage?: AgentUsage;
  limitResetAt?: Date;
  /**
   * Why an "error" happened, when the provider said so: `auth` (the credentials were refused:
   * retrying cannot help), `transient` (overloaded, unavailable, a stream cut: retry later),
   * `session_missing` (the CLI no longer knows the session it was asked to resume).
   */
  failure?: AgentFailure;
  /** The last ~40 output lines, redacted. */
  logTail: string;
}

export type AgentFailure = "auth" | "transient" | "session_missing";

export type AgentName = "claude" | "codex" | "command";

export interface AgentAdapter {
  readonly name: AgentName;
  run(req: AgentRunRequest): Promise<AgentRunResult>;
}
