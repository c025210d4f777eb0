/**
 * What kind of trouble a provider's error text describes, for the texts the CLIs print when they
 * give up on a request (claude's `result` text, codex's `turn.failed` message): refused
 * credentials (retrying cannot help), a passing outage (overloaded, unavailable, a connection cut
 * in the middle of a stream: try again later), or a session the CLI no longer knows.
 */
import type { AgentFailure } from "./types.js";

const SESSION_MISSING =
  /no conversation found with session id|no (?:saved )?session found|thread .* not found|could not find (?:the )?(?:session|thread|rollout)/i;
const AUTH =
  /\b401\b|authentication[_ ]error|invalid (?:x-)?api[ -]?key|invalid bearer token|unauthorized|incorrect api key|missing bearer|not logged in|please run \/login/i;
const TRANSIENT =
  /\b(?:500|502|503|504|529)\b|overloaded|internal server error|service unavailable|bad gateway|gateway timeout|connection (?:error|reset|closed|refused)|econnreset|econnrefused|socket hang up|terminated|stream (?:disconnected|closed|ended|error)|premature close|request timed out|timed out/i;

export function classifyProviderError(text: string): AgentFailure | undefined {
  if (SESSION_MISSING.test(text)) return "session_missing";
  if (AUTH.test(text)) return "auth";
  if (TRANSIENT.test(text)) return "transient";
  return undefined;
}

/** An HTTP status a CLI reported for a failed request. */
export function classifyStatus(status: number | null): AgentFailure | undefined {
  if (status === 401 || status === 403) return "auth";
  if (status !== null && (status >= 500 || status === 408)) return "transient";
  return undefined;
}
