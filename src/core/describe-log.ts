/**
 * The `/cw log` answer: the last lines of a task's current or last run, redacted again (the
 * stored log is redacted as it arrives; this catches token shapes once more), made inert and
 * shown in a collapsed block whose fence the log cannot close. Pure.
 */
import { agentLogLine, codeBlock } from "./agent-text.js";
import { redactSecrets } from "../lib/redact.js";

export const LOG_REPLY_LINES = 200;
/** A comment holds 65,536 characters; the reply keeps well under, from the end. */
const MAX_REPLY_LOG = 60_000;
const MAX_LINE = 500;

export interface LogView {
  agentName: string;
  agentStatus: string;
  /** The run's lines, oldest first (all of them or the last ones). */
  lines: readonly string[];
}

export function describeLog(v: LogView | null): string {
  if (!v) return "No agent has run on this task yet: there is no log.";
  if (v.lines.length === 0) return `Agent \`${v.agentName}\` (${v.agentStatus}) has printed nothing yet.`;
  const shown: string[] = [];
  let size = 0;
  for (const line of v.lines.slice(-LOG_REPLY_LINES).reverse()) {
    const safe = agentLogLine(redactSecrets(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)} … (${line.length - MAX_LINE} more characters)` : line));
    if (size + safe.length + 1 > MAX_REPLY_LOG) break;
    shown.unshift(safe);
    size += safe.length + 1;
  }
  return [
    `<details><summary>The last ${shown.length} lines of agent <code>${v.agentName}</code>'s log (${v.agentStatus})</summary>`,
    "",
    codeBlock(shown.join("\n")),
    "",
    "</details>",
    "",
    "The whole log is on the runner's host: `codewalkers logs <issue>`.",
  ].join("\n");
}
