/**
 * What every adapter does around its CLI: clear the old result, run the process, and turn how
 * it ended (watchdogs, exit code, `.cw/output/result.json`, what the adapter read in its event
 * stream) into one outcome. Every text that leaves here has been through the redactor.
 *
 * Precedence: stop, timeout, stall > an adapter's early end > a valid result file > a usage
 * limit seen in the stream > a malformed result file > the adapter's stream result (claude) >
 * crashed (non-zero exit or signal) > error (exit 0 without a result).
 *
 * Every text the agent wrote leaves here redacted (secrets) and as data (`core/agent-text.ts`:
 * no hidden markup, no mentions, no closing keywords, capped), so nothing downstream — comments,
 * pull-request bodies, check runs, later agents' context — can be steered by it.
 */
import { AGENT_TEXT_LIMITS, agentText } from "../../core/agent-text.js";
import { prepareOutputDir, readResultFile } from "./result-file.js";
import { spawnAgent, type AgentProcessControl, type AgentProcessResult } from "./spawn-agent.js";
import type { AgentFailure, AgentRunRequest, AgentRunResult, AgentUsage } from "./types.js";

/** What an adapter learned from the agent's own event stream. */
export interface StreamFindings {
  sessionId?: string | null;
  usage?: AgentUsage;
  /** The account is out of usage: the run ends "usage_limited". */
  usageLimit?: { message: string; resetAt?: Date };
  /** Why the adapter ended the run early when it was not a usage limit (failing credentials). */
  failure?: string;
  /** What kind of error the provider reported, when the stream says (see `AgentRunResult.failure`). */
  failureKind?: AgentFailure;
  /** The outcome when no result file was written: claude's `result` event. */
  streamResult?: { outcome: "done"; summary: string } | { outcome: "error"; message: string };
  /** Added to a crash or missing-result message: the agent's last error or message. */
  detail?: string;
}

/** Reads an agent's stdout events; `read` returns "end" to stop the run early. */
export interface StreamParser {
  read(line: string): "continue" | "end";
  findings(): StreamFindings;
}

export interface AgentInvocation {
  file: string;
  args: string[];
  parser?: StreamParser;
  /** The agent's whole environment, when the adapter built it (`buildAgentEnv`) to read it first. */
  env?: Record<string, string>;
}

const RESULT_PATH = ".cw/output/result.json";

export async function runAgent(req: AgentRunRequest, invocation: AgentInvocation): Promise<AgentRunResult> {
  await prepareOutputDir(req.outputDir);
  const { parser } = invocation;
  const proc = await spawnAgent({
    file: invocation.file,
    args: invocation.args,
    request: req,
    env: invocation.env,
    onStdoutLine: parser
      ? (line: string, control: AgentProcessControl) => {
          if (parser.read(line) === "end") control.end();
        }
      : undefined,
  });
  return settleRun(req, proc, parser?.findings() ?? {});
}

export async function settleRun(req: AgentRunRequest, proc: AgentProcessResult, findings: StreamFindings): Promise<AgentRunResult> {
  const redact = (text: string): string => agentText(req.redact(text), AGENT_TEXT_LIMITS.message);
  const summaryOf = (text: string): string => agentText(req.redact(text), AGENT_TEXT_LIMITS.summary);
  const base: AgentRunResult = {
    outcome: "error",
    exitCode: proc.exitCode,
    signal: proc.signal,
    logTail: proc.logTail,
    ...(findings.sessionId !== undefined ? { sessionId: findings.sessionId } : {}),
    ...(findings.usage ? { usage: findings.usage } : {}),
  };
  // Only an error the stream explains carries its kind; a result file says what it says.
  const failure = findings.failureKind ? { failure: findings.failureKind } : {};
  const detail = findings.detail ? `: ${redact(findings.detail)}` : "";

  if (proc.startError) return { ...base, outcome: "error", message: `the agent could not be started: ${proc.startError}` };
  switch (proc.end) {
    case "stopped":
      return { ...base, outcome: "stopped", message: "the agent was stopped" };
    case "timeout":
      return { ...base, outcome: "timeout", message: `the agent ran longer than ${req.timeoutSeconds} s and was killed` };
    case "stalled":
      return { ...base, outcome: "stalled", message: `the agent printed nothing for ${req.idleSeconds} s and was killed` };
    case "ended_by_adapter":
      if (findings.usageLimit) return usageLimited(base, findings.usageLimit, redact);
      return { ...base, ...failure, outcome: "error", message: redact(findings.failure ?? "the agent was ended early") };
    case "exited":
      break;
  }

  const file = await readResultFile(req.worktree, req.outputDir);
  if (file.kind === "valid") {
    const result = file.result;
    switch (result.status) {
      case "done": {
        const { verdict, findings, decisions, review } = result;
        return { ...base, outcome: "done", summary: summaryOf(result.summary ?? ""), modeFields: { verdict, findings, decisions, review } };
      }
      case "questions":
        return {
          ...base,
          outcome: "questions",
          questions: result.questions
            .slice(0, 20)
            .map(({ id, question }) => ({ id: agentText(id, 100), question: agentText(req.redact(question), AGENT_TEXT_LIMITS.question) })),
        };
      case "error":
        return { ...base, outcome: "error", message: redact(result.message) };
    }
  }
  if (findings.usageLimit) return usageLimited(base, findings.usageLimit, redact);
  if (file.kind === "invalid") return { ...base, outcome: "error", message: redact(file.message) };

  const streamResult = findings.streamResult;
  if (streamResult?.outcome === "done") return { ...base, outcome: "done", summary: summaryOf(streamResult.summary) };
  if (streamResult?.outcome === "error") return { ...base, ...failure, outcome: "error", message: redact(streamResult.message) };

  if (proc.exitCode !== 0) {
    const how = proc.exitCode === null ? `was killed by ${proc.signal ?? "a signal"}` : `exited with code ${proc.exitCode}`;
    return { ...base, ...failure, outcome: "crashed", message: `the agent ${how} without writing ${RESULT_PATH}${detail}` };
  }
  return { ...base, ...failure, outcome: "error", message: `the agent exited without writing ${RESULT_PATH}${detail}` };
}

function usageLimited(base: AgentRunResult, limit: NonNullable<StreamFindings["usageLimit"]>, redact: (text: string) => string): AgentRunResult {
  return {
    ...base,
    outcome: "usage_limited",
    message: redact(limit.message),
    ...(limit.resetAt ? { limitResetAt: limit.resetAt } : {}),
  };
}
