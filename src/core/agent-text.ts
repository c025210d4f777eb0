/**
 * Text an agent wrote is data, never instructions to GitHub (DESIGN §3 "Containment"). Before
 * the app stores a summary, a question, an error or a log line from an agent — and so before it
 * can reach a comment, a pull-request body, a squash commit or a check run — it goes through
 * `agentText`:
 * - hidden markup and invisible characters go, as for issue text (`sanitize.ts`);
 * - closing keywords cannot close anything: "Fixes #1" becomes "Fi\u200bxes #1" (only the app's
 *   own `Fixes #N` line, written by the app, closes an issue);
 * - mentions cannot ping: "@alice" and "@acme/everyone" become "@\u200balice" …;
 * - the length is capped.
 * A zero-width space after "@" or inside a keyword is what GitHub's own bots do (Dependabot):
 * the text reads the same, and nothing matches.
 */
import { sanitizeIssueText } from "./sanitize.js";

const ZWSP = "\u200b";

/** The limits for each kind of agent text, in characters. */
export const AGENT_TEXT_LIMITS = {
  summary: 20_000,
  question: 4_000,
  message: 8_000,
  logLine: 2_000,
} as const;

/** @login or @org/team, where GitHub would see a mention: not after a word character or a dot. */
const MENTION = /(^|[^\w.`@/])@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9][\w.-]*)?)/g;

/**
 * GitHub's closing keywords followed by an issue reference (#1, owner/repo#1, or an issue URL),
 * optionally with a colon: "Fixes #1", "closes: acme/x#2", "Resolved https://github.com/a/b/issues/3".
 */
const CLOSING = /\b(clos(?:e|es|ed)|fix(?:es|ed)?|resolv(?:e|es|ed))(\s*:?\s+)(?=#\d|[\w.-]+\/[\w.-]+#\d|https?:\/\/\S+\/(?:issues|pull)\/\d)/gi;

/** "@\u200balice": reads the same, pings nobody. */
export function neutraliseMentions(text: string): string {
  return text.replace(MENTION, (_all, before: string, name: string) => `${before}@${ZWSP}${name}`);
}

/** "Fi\u200bxes #1": reads the same, closes nothing. */
export function neutraliseClosingKeywords(text: string): string {
  return text.replace(CLOSING, (_all, keyword: string, gap: string) => `${keyword.slice(0, 2)}${ZWSP}${keyword.slice(2)}${gap}`);
}

function cap(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit).trimEnd()}\n\n… (cut: ${text.length - limit} more characters)`;
}

/** An agent's words, safe to store and to post. */
export function agentText(text: string | null | undefined, limit: number = AGENT_TEXT_LIMITS.summary): string {
  if (!text) return "";
  return cap(neutraliseClosingKeywords(neutraliseMentions(sanitizeIssueText(text))), limit);
}

/**
 * A line of an agent's log, for a code block: no markup is stripped (it is code, shown as such),
 * but invisible characters, mentions and closing keywords are neutralised all the same, in case
 * the block is broken out of, and the line is capped.
 */
export function agentLogLine(line: string): string {
  const plain = line.replace(/(?![\t])[\p{Cc}\p{Cf}]/gu, "");
  const capped =
    plain.length > AGENT_TEXT_LIMITS.logLine
      ? `${plain.slice(0, AGENT_TEXT_LIMITS.logLine)} … (${plain.length - AGENT_TEXT_LIMITS.logLine} more characters)`
      : plain;
  return neutraliseClosingKeywords(neutraliseMentions(capped));
}

/**
 * A code block that cannot be broken out of: its fence is longer than any run of backticks in
 * the text (a "```" line in an agent's log would otherwise end the block and let the rest render).
 */
export function codeBlock(text: string, info = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${info}\n${text}\n${fence}`;
}
