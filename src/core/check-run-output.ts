/** What a check run shows (within GitHub's limits), and its hash: a check run already showing it needs no write. */
import { createHash } from "node:crypto";
import type { EnsureCheckRunIntent } from "./intents.js";

/** GitHub's limit for a check run's output text and summary. */
export const MAX_OUTPUT = 65_535;

export function checkRunOutput(intent: Pick<EnsureCheckRunIntent, "title" | "summary" | "text">) {
  return {
    title: [...intent.title].slice(0, 255).join(""),
    summary: keepHead(intent.summary, MAX_OUTPUT),
    ...(intent.text ? { text: keepTail(intent.text, MAX_OUTPUT) } : {}),
  };
}

const CUT_NOTE = "… (earlier lines cut)\n";

/**
 * The end of a text within `max` characters, cut safely: at a line boundary (never inside a
 * surrogate pair), with a note; where the text is a fenced code block, the cut one keeps its
 * opening fence, so a log's lines never start to render as Markdown.
 */
export function keepTail(text: string, max: number): string {
  if (text.length <= max) return text;
  const fence = /^(`{3,})[^\n]*\n/.exec(text)?.[1];
  const head = fence ? `${fence}\n${CUT_NOTE}` : CUT_NOTE;
  let rest = text.slice(text.length - (max - head.length));
  const newline = rest.indexOf("\n");
  rest = newline >= 0 ? rest.slice(newline + 1) : rest.replace(/^[\uDC00-\uDFFF]/, "");
  return head + rest;
}

/** The start of a text within `max` characters, cut at a line boundary, with a note. */
export function keepHead(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = "\n… (cut)";
  let kept = text.slice(0, max - note.length);
  const newline = kept.lastIndexOf("\n");
  kept = newline > 0 ? kept.slice(0, newline) : kept.replace(/[\uD800-\uDBFF]$/, "");
  return kept + note;
}

/** What identifies a check run's content: the same hash means nothing to send. */
export function checkRunHash(intent: Pick<EnsureCheckRunIntent, "status" | "conclusion" | "title" | "summary" | "text">): string {
  return createHash("sha256")
    .update(JSON.stringify({ s: intent.status, c: intent.conclusion, output: checkRunOutput(intent) }))
    .digest("hex");
}
