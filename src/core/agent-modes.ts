/**
 * What each agent mode (CW_MODE) is for, and what its result means beyond `{"status":"done"}`.
 * Pure: the runner hands the extra fields of a done result here, already parsed as JSON, and
 * gets back what the mode made of them, or why they do not do.
 *
 * - execute, plan, detail, refine, merge: the summary is the result; code lands as usual.
 * - research: findings, not code — the summary is the findings; a run that changed nothing opens
 *   no pull request (true of every mode).
 * - discuss: questions go to the issue in rounds (the questions machinery) until the agent
 *   returns `decisions`; they become the summary its dependants receive.
 * - verify: `verdict` ("pass" | "fail") and `findings` about the phase's work; nothing it writes
 *   lands (it reports, a fix task fixes).
 * - review: a pull-request review with line comments, posted as a COMMENT; nothing it writes lands.
 */
import type { AgentMode } from "./statuses.js";

/** One thing a verify agent found. */
export interface VerifyFinding {
  message: string;
  path?: string;
  line?: number;
}

/** One line comment of an agent's review; `id` once GitHub has made it. */
export interface AgentReviewComment {
  id?: number;
  path: string;
  line: number;
  startLine?: number;
  side?: "LEFT" | "RIGHT";
  body: string;
  diffHunk?: string;
}

/** The fields of a done result that some modes read (as the agent wrote them: unchecked). */
export interface ModeFields {
  verdict?: unknown;
  findings?: unknown;
  decisions?: unknown;
  review?: unknown;
}

export type ModeReading =
  | { kind: "plain" }
  | { kind: "discuss"; decisions: string[] }
  | { kind: "verify"; verdict: "pass" | "fail"; findings: VerifyFinding[] }
  | { kind: "review"; body: string; comments: AgentReviewComment[]; askedFor: string | null }
  | { kind: "invalid"; message: string };

/** Modes whose worktree changes are never committed: they report on work, they do not do it. */
export function landsCode(mode: AgentMode): boolean {
  return mode !== "verify" && mode !== "review";
}

/** At most this many findings, decisions or line comments are kept from one result. */
const MAX_ITEMS = 50;
/**
 * Characters kept of one finding, decision or line comment, and of a review's body: what the
 * app posts from them (a fix task's issue, a review) stays well inside GitHub's 65,536.
 */
const MAX_ITEM_CHARS = 1_000;
const MAX_BODY_CHARS = 10_000;

function capped(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1).trimEnd()}…`;
}

/**
 * Reads the mode's own fields. `text` makes an agent's words safe to store and post
 * (redacted, inert, capped: `agent-text.ts`).
 */
export function readModeResult(mode: AgentMode, fields: ModeFields, text: (s: string) => string): ModeReading {
  switch (mode) {
    case "verify":
      return readVerify(fields, text);
    case "discuss":
      return {
        kind: "discuss",
        decisions: stringList(fields.decisions)
          .map((d) => capped(text(d), MAX_ITEM_CHARS))
          .filter(Boolean),
      };
    case "review":
      return readReview(fields, text);
    default:
      return { kind: "plain" };
  }
}

const VERIFY_SHAPE = '{"status":"done","verdict":"pass"|"fail","findings":["…" or {"message","path","line"}]}';

function readVerify(fields: ModeFields, text: (s: string) => string): ModeReading {
  if (fields.verdict === undefined || fields.verdict === null) {
    return { kind: "invalid", message: `a verify agent's result must carry a verdict: ${VERIFY_SHAPE}; this one has none` };
  }
  if (fields.verdict !== "pass" && fields.verdict !== "fail") {
    return { kind: "invalid", message: `a verify agent's verdict must be "pass" or "fail", not ${JSON.stringify(fields.verdict).slice(0, 60)}` };
  }
  if (fields.findings !== undefined && !Array.isArray(fields.findings)) {
    return { kind: "invalid", message: `a verify agent's findings must be a list: ${VERIFY_SHAPE}` };
  }
  const findings: VerifyFinding[] = [];
  for (const item of (fields.findings as unknown[] | undefined) ?? []) {
    if (findings.length >= MAX_ITEMS) break;
    if (typeof item === "string") {
      if (item.trim()) findings.push({ message: capped(text(item), MAX_ITEM_CHARS) });
    } else if (item && typeof item === "object") {
      const o = item as Record<string, unknown>;
      const message =
        typeof o.message === "string" ? o.message : typeof o.title === "string" ? o.title : typeof o.description === "string" ? o.description : "";
      if (!message.trim()) continue;
      findings.push({
        message: capped(text(message), MAX_ITEM_CHARS),
        ...(typeof o.path === "string" && o.path ? { path: text(o.path).slice(0, 300) } : {}),
        ...(positiveInt(o.line) ? { line: o.line as number } : {}),
      });
    }
  }
  // A failure with nothing to fix would open an empty fix task: it needs at least one finding.
  if (fields.verdict === "fail" && findings.length === 0) {
    return { kind: "invalid", message: `a verify agent's "fail" verdict must list what to fix in its findings: ${VERIFY_SHAPE}` };
  }
  return { kind: "verify", verdict: fields.verdict, findings };
}

const REVIEW_SHAPE = '{"status":"done","summary":"…","review":{"body":"…","comments":[{"path":"src/a.ts","line":12,"body":"…"}]}}';

function readReview(fields: ModeFields, text: (s: string) => string): ModeReading {
  const review = fields.review;
  if (review === undefined || review === null) return { kind: "review", body: "", comments: [], askedFor: null };
  if (typeof review !== "object" || Array.isArray(review)) return { kind: "invalid", message: `a review agent's review must be an object: ${REVIEW_SHAPE}` };
  const r = review as Record<string, unknown>;
  const comments: AgentReviewComment[] = [];
  for (const c of Array.isArray(r.comments) ? r.comments : []) {
    if (comments.length >= MAX_ITEMS || !c || typeof c !== "object") continue;
    const o = c as Record<string, unknown>;
    if (typeof o.path !== "string" || !o.path || !positiveInt(o.line) || typeof o.body !== "string" || !o.body.trim()) {
      return { kind: "invalid", message: `each line comment of a review needs a path, a line (a positive number) and a body: ${REVIEW_SHAPE}` };
    }
    comments.push({
      path: o.path,
      line: o.line as number,
      ...(positiveInt(o.start_line) && (o.start_line as number) < (o.line as number) ? { startLine: o.start_line as number } : {}),
      ...(o.side === "LEFT" || o.side === "RIGHT" ? { side: o.side } : {}),
      body: capped(text(o.body), MAX_ITEM_CHARS * 4),
    });
  }
  const event = typeof r.event === "string" ? r.event.toUpperCase() : null;
  return {
    kind: "review",
    body: typeof r.body === "string" ? capped(text(r.body), MAX_BODY_CHARS) : "",
    comments,
    askedFor: event && event !== "COMMENT" ? event : null,
  };
}

function stringList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v.trim() !== "").slice(0, MAX_ITEMS) : [];
}

function positiveInt(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

/** The summary later tasks receive from a discussion: its decisions, then what the agent said. */
export function discussSummary(decisions: readonly string[], summary: string | undefined): string {
  const said = (summary ?? "").trim();
  if (decisions.length === 0) return said;
  return ["**Decisions:**", ...decisions.map((d) => `- ${d.replace(/\s*\n\s*/g, " ")}`), ...(said ? ["", said] : [])].join("\n");
}
