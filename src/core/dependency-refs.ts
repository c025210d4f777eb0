/**
 * `Depends on #12` / `Blocked by owner/repo#3` lines in an issue body: the dependencies people
 * write by hand, next to GitHub's own "blocked by" relationships (DESIGN.md §1).
 *
 * Only a line that starts with the phrase counts ("this depends on #3" in a sentence does not),
 * and the references are read up to the first thing that is not one, so a trailing remark
 * ("Depends on #12 (the old #9 is closed)") adds nothing. Examples in code, HTML comments and
 * quoted replies never count. This module also owns the shared walk over those "prose" lines,
 * used by the slash-command parser too.
 */

export interface IssueRef {
  owner: string;
  repo: string;
  number: number;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

/**
 * Optional list marker and task checkbox, optional bold, the phrase (with a space or a hyphen),
 * an optional colon inside or outside the bold.
 */
const DEPENDENCY_LINE =
  /^\s*(?:(?:[-*+]|\d{1,9}[.)])\s+)?(?:\[[ xX]\]\s+)?(?:\*\*|__)?\s*(?:depends[ -]on|blocked[ -]by)(?![A-Za-z0-9-])\s*:?\s*(?:\*\*|__)?\s*:?/i;

const OWNER = "[A-Za-z0-9][A-Za-z0-9-]{0,38}";
const REPO = "[A-Za-z0-9._-]{1,100}";
const NUMBER = "\\d{1,10}";
/** An issue URL on github.com or any GitHub Enterprise host, with an optional fragment or query. */
const ISSUE_URL = `https?://[^\\s/<>()\\[\\]]+/(${OWNER})/(${REPO})/issues/(${NUMBER})(?:[/?#][^\\s,<>()\\[\\]]*)?`;

/** One reference: a URL (bare, autolinked or as a Markdown link's target), owner/repo#N or #N. */
const REFERENCE = new RegExp(
  [
    `\\[[^\\]\\n]*\\]\\(${ISSUE_URL}\\)`,
    `<${ISSUE_URL}>`,
    `${ISSUE_URL}(?![\\w-])`,
    `(${OWNER})/(${REPO})#(${NUMBER})(?![\\w-])`,
    `#(${NUMBER})(?![\\w-])`,
  ].join("|"),
  "y",
);

/** Between references: spaces, commas, "and", "&", and the end of a bold run. */
const SEPARATOR = /(?:[\s,&]|\*\*|__|and(?![\w-]))+/iy;

/** GitHub issue numbers are 32-bit integers (and so is the column that stores them). */
const MAX_ISSUE_NUMBER = 2_147_483_647;

export function parseDependencyRefs(body: string | null | undefined, here: RepoRef): IssueRef[] {
  const refs: IssueRef[] = [];
  const seen = new Set<string>();
  for (const line of proseLines(body)) {
    const head = DEPENDENCY_LINE.exec(line.text);
    if (!head) continue;
    for (const ref of readReferences(line.text, head[0].length, here)) {
      const key = refKey(ref);
      if (seen.has(key)) continue;
      seen.add(key);
      refs.push(ref);
    }
  }
  return refs;
}

/** Whether a prose line declares dependencies (`Depends on …`, `Blocked by …`). */
export function isDependencyLine(text: string): boolean {
  return DEPENDENCY_LINE.test(text);
}

/** "#12" within `here`, "owner/repo#12" anywhere else. */
export function formatIssueRef(ref: IssueRef, here: RepoRef): string {
  return sameRepo(ref, here) ? `#${ref.number}` : `${ref.owner}/${ref.repo}#${ref.number}`;
}

function readReferences(text: string, from: number, here: RepoRef): IssueRef[] {
  const refs: IssueRef[] = [];
  let at = skip(SEPARATOR, text, from);
  for (;;) {
    REFERENCE.lastIndex = at;
    const m = REFERENCE.exec(text);
    if (!m) break;
    const ref = toRef(m, here);
    if (!ref) break;
    refs.push(ref);
    at = REFERENCE.lastIndex;
    const next = skip(SEPARATOR, text, at);
    if (next === at) break; // anything glued to a reference ends the list
    at = next;
  }
  return refs;
}

function toRef(m: RegExpExecArray, here: RepoRef): IssueRef | undefined {
  // Groups, in order: Markdown link (1-3), autolink (4-6), bare URL (7-9), owner/repo#N (10-12), #N (13).
  for (const base of [1, 4, 7, 10]) {
    const owner = m[base];
    const repo = m[base + 1];
    const number = m[base + 2];
    if (owner !== undefined && repo !== undefined && number !== undefined) return withNumber(owner, repo, number);
  }
  const local = m[13];
  return local === undefined ? undefined : withNumber(here.owner, here.repo, local);
}

function withNumber(owner: string, repo: string, digits: string): IssueRef | undefined {
  const number = Number(digits);
  if (!Number.isInteger(number) || number < 1 || number > MAX_ISSUE_NUMBER) return undefined;
  return { owner, repo, number };
}

function skip(pattern: RegExp, text: string, at: number): number {
  pattern.lastIndex = at;
  return pattern.exec(text) ? pattern.lastIndex : at;
}

function sameRepo(a: RepoRef, b: RepoRef): boolean {
  return a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase();
}

/** GitHub owner and repository names are case-insensitive. */
function refKey(ref: IssueRef): string {
  return `${ref.owner}/${ref.repo}#${ref.number}`.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Prose lines
// ---------------------------------------------------------------------------------------------

export interface ProseLine {
  /** The line exactly as written. */
  raw: string;
  /** The line with HTML comments on it blanked out (replaced by spaces, so columns stay). */
  uncommented: string;
  /** The line with HTML comments and inline code spans blanked out. */
  text: string;
}

/** A fence may be indented (inside list items it usually is). */
const FENCE = /^[ \t]*(`{3,}|~{3,})/;
const QUOTE = /^\s*>/;

/**
 * The lines a person wrote to be acted on: not inside a fenced code block (``` or ~~~, closed
 * by a fence of the same character at least as long; unclosed runs to the end), not inside an
 * HTML comment, and not quoted ("> …", which repeats someone else's words).
 */
export function proseLines(body: string | null | undefined): ProseLine[] {
  if (!body) return [];
  const lines: ProseLine[] = [];
  let fence: { char: string; length: number } | undefined;
  let inComment = false;
  for (const raw of body.split(/\r\n?|\n/)) {
    if (fence) {
      const close = FENCE.exec(raw)?.[1];
      if (close && close[0] === fence.char && close.length >= fence.length && raw.trim() === close) fence = undefined;
      continue;
    }
    let line = raw;
    if (inComment) {
      const end = line.indexOf("-->");
      if (end < 0) continue;
      line = " ".repeat(end + 3) + line.slice(end + 3);
      inComment = false;
    }
    const open = FENCE.exec(line);
    // A backtick fence's info string cannot hold a backtick: "```a` b```" is inline code.
    if (open?.[1] && !(open[1][0] === "`" && line.slice(open[0].length).includes("`"))) {
      fence = { char: open[1][0] ?? "`", length: open[1].length };
      continue;
    }
    const uncommented = blankComments(line);
    inComment = uncommented.open;
    if (QUOTE.test(uncommented.text)) continue;
    lines.push({ raw, uncommented: uncommented.text, text: blankCodeSpans(uncommented.text) });
  }
  return lines;
}

/** Replaces `<!-- … -->` on the line with spaces; `open` when a comment runs past its end. */
function blankComments(line: string): { text: string; open: boolean } {
  let text = line;
  let from = 0;
  for (;;) {
    const start = text.indexOf("<!--", from);
    if (start < 0) return { text, open: false };
    const end = text.indexOf("-->", start + 4);
    if (end < 0) return { text: text.slice(0, start), open: true };
    text = text.slice(0, start) + " ".repeat(end + 3 - start) + text.slice(end + 3);
    from = end + 3;
  }
}

/**
 * Replaces each inline code span with spaces. A span opens with a run of backticks and closes
 * at the next run of exactly the same length; a run without one is literal text.
 */
function blankCodeSpans(line: string): string {
  if (!line.includes("`")) return line;
  const runs = [...line.matchAll(/`+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
  // The next run of the same length for every run, found in one right-to-left sweep, so a line
  // of many unmatched runs stays linear.
  const partner: number[] = [];
  const lastOfLength = new Map<number, number>();
  for (let i = runs.length - 1; i >= 0; i--) {
    const length = (runs[i]?.end ?? 0) - (runs[i]?.start ?? 0);
    partner[i] = lastOfLength.get(length) ?? -1;
    lastOfLength.set(length, i);
  }
  let out = "";
  let copied = 0;
  for (let i = 0; i < runs.length; i++) {
    const j = partner[i] ?? -1;
    const open = runs[i];
    const close = runs[j];
    if (!open || !close) continue;
    out += line.slice(copied, open.start) + " ".repeat(close.end - open.start);
    copied = close.end;
    i = j;
  }
  return out + line.slice(copied);
}
