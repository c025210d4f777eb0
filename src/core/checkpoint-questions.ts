/**
 * What a checkpoint asks, read from its issue: the question and options of a decision, the
 * checklist of what to verify. People write these as Markdown list items or task checkboxes;
 * code blocks, HTML comments, quotes and `Depends on` lines are not part of the question.
 */
import { isDependencyLine, proseLines } from "./dependency-refs.js";

/** `- item`, `* item`, `+ item`, `1. item`, `1) item`, each optionally a checkbox `[ ]` / `[x]`. */
const LIST_ITEM = /^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?(\S.*)$/;

export interface IssueQuestion {
  /** The issue's text that is not a list item; the title when there is none. */
  question: string;
  /** The list items (options of a decision, things to check), in order. */
  items: string[];
}

export function questionOf(title: string, body: string | null): IssueQuestion {
  const items: string[] = [];
  const prose: string[] = [];
  for (const line of proseLines(body)) {
    if (isDependencyLine(line.text)) continue;
    const item = LIST_ITEM.exec(line.uncommented)?.[1];
    if (item !== undefined) items.push(item.trim());
    else prose.push(line.uncommented.trimEnd());
  }
  const question = prose
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { question: question || title, items };
}

/**
 * The decision a reply states: an option's number ("2", "#2", "2.") or its text (any case)
 * stands for the option as the issue wrote it; anything else is taken as written.
 */
export function resolveDecision(reply: string, options: readonly string[]): string {
  const text = reply.trim();
  const number = /^#?(\d{1,3})[.)]?$/.exec(text)?.[1];
  const byNumber = number === undefined ? undefined : options[Number(number) - 1];
  if (byNumber !== undefined) return byNumber;
  return options.find((o) => normalized(o) === normalized(text)) ?? text;
}

function normalized(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, " ")
    .replace(/[.!]+$/, "")
    .trim();
}
