/**
 * Issue text is stored once, sanitized, and that stored text is all an agent is ever given.
 * A person reviews an issue as GitHub renders it, so anything the rendering hides (comments,
 * hidden elements, invisible characters) is text an agent would read and the person would not:
 * the classic prompt-injection channel. It is removed here.
 *
 * When in doubt this removes more, never less: an element whose end cannot be found is removed
 * to the end of the text, and markup is recognised the way a browser's HTML parser reads it,
 * which finds tags, and so hidden content, wherever Markdown might pass raw HTML through. The
 * price is that HTML comments and hidden markup inside code blocks go too (Markdown would show
 * them as code), because telling code apart reliably would mean re-implementing GitHub's
 * Markdown parser, and a disagreement with it would let hidden text through.
 *
 * Every step is linear in the length of the text: GitHub allows 65,536 characters of
 * adversarial input per body.
 */

/**
 * C0/C1 controls except tab and newline (after normalisation LF is the only line break),
 * every Unicode format character — zero-width space/joiners, word joiner, invisible operators,
 * BOM, bidi embeddings/overrides/isolates and marks, soft hyphen, the Mongolian vowel separator,
 * the invisible "tag" characters that smuggle ASCII — and variation selectors, which can also
 * smuggle bytes (emoji lose their colour-presentation hint, nothing else).
 */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each code point is its own class member (the `u` flag); variation selectors are listed on purpose.
const INVISIBLE = /(?![\t\n])[\p{Cc}\p{Cf}\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu;

/** Void elements have no content: hiding one hides only itself. */
const VOID_ELEMENTS = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr"]);

/** Elements a browser never shows the content of; removed with their content. */
const INVISIBLE_ELEMENTS = new Set(["script", "style", "template", "noscript", "title", "iframe", "noembed", "noframes", "datalist"]);

/**
 * Elements whose content is raw text to an HTML parser: no tag or comment inside counts until
 * the matching end tag. (`noscript` is left out: parsed as markup, its end tag can only come
 * later, and later means more is removed.)
 */
const RAW_TEXT_ELEMENTS = new Set(["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"]);

/**
 * Nested constructs can reassemble into new markup once the inner one is removed
 * (`<<!-- -->!-- x -->`). The removal is repeated until nothing changes; text still changing
 * after this many passes is hostile, and its remaining tags are neutralised instead.
 */
const MAX_PASSES = 4;

const GT = 0x3e; // >
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const EQUALS = 0x3d;

export function sanitizeIssueText(text: string | null | undefined): string {
  if (!text) return "";
  // Line breaks first, so no stray CR survives as a control character or hides a line end;
  // invisible characters next, so none can split a tag name (`<scr\u200Bipt>`) past the markup pass.
  const plain = text.replace(/\r\n?|[\u2028\u2029]/g, "\n").replace(INVISIBLE, "");
  return removeHiddenMarkdown(removeHiddenMarkupFully(plain)).trimEnd();
}

/**
 * Text shown as one line (a title): what GitHub's rendering hides is removed as for a body, and
 * a line break or a tab, with the spaces around it, becomes one space. Markdown's block
 * constructs do not apply within a line, so a title such as "[WIP]: the login form" is kept
 * whole (as a body line it would be a link definition, which renders as nothing).
 */
export function sanitizeLine(text: string | null | undefined): string {
  if (!text) return "";
  // Split, not one pattern around the break, which would backtrack over long runs of spaces.
  const line = text
    .split(/[\r\n\t\u2028\u2029]/)
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .join(" ");
  const plain = line.replace(INVISIBLE, "");
  return removeInlineHiddenMarkdown(removeHiddenMarkupFully(plain)).trim();
}

/**
 * Markdown that renders to nothing, or to text only a tooltip or a broken image shows:
 * - link reference definitions (`[//]: # (a comment)`, `[x]: https://… "title"`), with a title
 *   continued on the next line: the line renders as nothing;
 * - a link's or an image's title (`[text](url "title")`): a tooltip;
 * - an image's alt text (`![alt](url)`): shown only when the image does not load;
 * - the `title`, `alt` and `aria-*` attributes of HTML tags, for the same reasons.
 * Each is a regular expression with no nested quantifier over the same characters: linear.
 */
const LINK_DEFINITION = /^ {0,3}\[[^\]\n]+\]:[^\n]*(?:\n[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\))[ \t]*(?=\n|$))?/gm;
const LINK_TITLE = /(\]\([ \t]*(?:<[^>\n]*>|[^\s()]+))[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\))[ \t]*\)/g;
const IMAGE_ALT = /!\[[^\]\n]*\]/g;
const TAG = /<[A-Za-z][^<>]*>/g;
const HIDDEN_ATTRIBUTE = /\s(?:title|alt|aria-[a-z-]+)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+)/gi;

function removeHiddenMarkdown(text: string): string {
  return removeInlineHiddenMarkdown(text.replace(LINK_DEFINITION, ""));
}

function removeInlineHiddenMarkdown(text: string): string {
  return text
    .replace(LINK_TITLE, "$1)")
    .replace(IMAGE_ALT, "![]")
    .replace(TAG, (tag) => tag.replace(HIDDEN_ATTRIBUTE, ""));
}

function removeHiddenMarkupFully(text: string): string {
  let current = text;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const next = removeHiddenMarkup(current);
    if (next === current) return current;
    current = next;
  }
  // Escaped, the remaining `<` shows as itself when rendered and can no longer open anything.
  return removeHiddenMarkup(current) === current ? current : current.replaceAll("<", "&lt;");
}

/** One pass: every comment, bogus comment and hidden or invisible element is cut out. */
function removeHiddenMarkup(text: string): string {
  if (!text.includes("<")) return text;
  const scanner = new MarkupScanner(text);
  const n = text.length;
  const kept: string[] = [];
  let from = 0; // start of the text not yet copied
  let at = 0;
  while (at < n) {
    const lt = text.indexOf("<", at);
    if (lt < 0) break;
    const cut = scanner.hiddenConstructAt(lt);
    if (cut !== undefined) {
      kept.push(text.slice(from, lt));
      from = at = cut;
      continue;
    }
    // A visible tag is kept. When it holds another `<` (inside a quoted attribute, say), that
    // `<` is examined too: Markdown may reject the outer tag and pass the inner one through.
    at = scanner.visibleTagEnd(lt) ?? lt + 1;
  }
  kept.push(text.slice(from));
  return kept.join("");
}

interface Tag {
  /** Index just past the tag's `>`. */
  end: number;
  /** Lower-cased; empty when too long to be any name this module cares about. */
  name: string;
  hidden: boolean;
}

/**
 * Reads tags the way the HTML5 tokenizer does. Scans start at every `<`, so the work is bounded
 * with precomputed "next delimiter" tables (each step of a scan is O(1)) and a memo per
 * attribute start (a scan that reaches an attribute another scan already read stops there):
 * the whole pass stays linear however the tags overlap.
 */
class MarkupScanner {
  private readonly n: number;
  private lowered: string | undefined;
  private tables: DelimiterTables | undefined;
  private memoEnd: Int32Array | undefined; // 0 unknown, -1 unterminated, else tag end
  private memoHidden: Uint8Array | undefined;
  private visibleTagEnds = new Map<number, number>();

  constructor(private readonly s: string) {
    this.n = s.length;
  }

  /** When a hidden construct starts at `lt`, the index just past it. */
  hiddenConstructAt(lt: number): number | undefined {
    const { s, n } = this;
    const c1 = s.charCodeAt(lt + 1);
    if (c1 === BANG) {
      // `<!-- … -->`; an unterminated comment hides the rest of the text.
      if (s.startsWith("--", lt + 2)) return endAfter(s, "-->", lt + 2, n);
      // `<!DOCTYPE …>`, `<![CDATA[…]]>`, `<!anything>`: a bogus comment to the first `>`.
      return endAfter(s, ">", lt + 2, n);
    }
    // `<?…>` processing instructions are bogus comments too.
    if (c1 === QUESTION) return endAfter(s, ">", lt + 2, n);
    if (c1 === SLASH) {
      const c2 = s.charCodeAt(lt + 2);
      if (isAsciiLetter(c2)) return undefined; // an end tag: kept
      // `</>` is dropped by browsers and `</ x>` is a bogus comment.
      return endAfter(s, ">", lt + 2, n);
    }
    if (!isAsciiLetter(c1)) return undefined;
    const tag = this.readTag(lt, false);
    if (!tag) return undefined; // never closed: Markdown shows it as text
    if (!tag.hidden && !INVISIBLE_ELEMENTS.has(tag.name)) {
      this.visibleTagEnds.set(lt, tag.end);
      return undefined;
    }
    if (VOID_ELEMENTS.has(tag.name)) return tag.end;
    return this.elementEnd(tag);
  }

  /** The end of the visible tag at `lt` when it can be skipped whole (it holds no other `<`). */
  visibleTagEnd(lt: number): number | undefined {
    const end = this.visibleTagEnds.get(lt);
    if (end === undefined) return undefined;
    const innerLt = this.s.indexOf("<", lt + 1);
    return innerLt < 0 || innerLt >= end ? end : undefined;
  }

  /**
   * Where the element opened by `open` ends: past its matching end tag, counting nested
   * elements of the same name and skipping comments and raw text the way a browser does;
   * the end of the text when there is no such end tag.
   */
  private elementEnd(open: Tag): number {
    const { s, n } = this;
    if (open.name === "plaintext") return n;
    if (RAW_TEXT_ELEMENTS.has(open.name)) return this.rawTextEnd(open.name, open.end);
    let depth = 1;
    let at = open.end;
    while (at < n) {
      const lt = s.indexOf("<", at);
      if (lt < 0) return n;
      const c1 = s.charCodeAt(lt + 1);
      if (c1 === BANG || c1 === QUESTION || (c1 === SLASH && !isAsciiLetter(s.charCodeAt(lt + 2)))) {
        at = this.hiddenConstructAt(lt) ?? lt + 1;
        continue;
      }
      const closing = c1 === SLASH;
      if (!closing && !isAsciiLetter(c1)) {
        at = lt + 1;
        continue;
      }
      // Inside an element a tag that never closes swallows the rest of the text.
      const tag = this.readTag(lt, closing);
      if (!tag) return n;
      at = tag.end;
      if (tag.name !== open.name) {
        if (!closing && RAW_TEXT_ELEMENTS.has(tag.name)) at = this.rawTextEnd(tag.name, tag.end);
        if (!closing && tag.name === "plaintext") return n;
        continue;
      }
      depth += closing ? -1 : 1;
      if (depth === 0) return tag.end;
    }
    return n;
  }

  /** Past the first `</name` end tag after `from`, or the end of the text. */
  private rawTextEnd(name: string, from: number): number {
    this.lowered ??= asciiLowerCase(this.s);
    const lowered = this.lowered;
    const needle = `</${name}`;
    let at = from;
    for (;;) {
      const idx = lowered.indexOf(needle, at);
      if (idx < 0) return this.n;
      const after = this.s.charCodeAt(idx + needle.length);
      if (Number.isNaN(after) || isHtmlSpace(after) || after === SLASH || after === GT) {
        return this.readTag(idx, true)?.end ?? this.n;
      }
      at = idx + needle.length;
    }
  }

  /** The tag starting at `lt` (`<name` or `</name`), or undefined when the text ends inside it. */
  private readTag(lt: number, closing: boolean): Tag | undefined {
    const { s, n } = this;
    this.tables ??= buildTables(s);
    this.memoEnd ??= new Int32Array(n + 1);
    this.memoHidden ??= new Uint8Array(n + 1);
    const t = this.tables;
    const memoEnd = this.memoEnd;
    const memoHidden = this.memoHidden;

    const nameStart = lt + (closing ? 2 : 1);
    const nameEnd = t.tagNameEnd[nameStart] ?? n;
    const name = nameEnd - nameStart <= 16 ? asciiLowerCase(s.slice(nameStart, nameEnd)) : "";

    const starts: number[] = []; // attribute starts read by this scan, for the memo
    const flags: boolean[] = [];
    let end = -1;
    let tailHidden = false;
    let i = nameEnd;
    for (;;) {
      i = t.nonSpace[i] ?? n;
      if (i >= n) break;
      const c = s.charCodeAt(i);
      if (c === GT) {
        end = i + 1;
        break;
      }
      if (c === SLASH) {
        i++; // `/>` ends the tag; a stray `/` separates attributes
        continue;
      }
      const known = memoEnd[i] ?? 0;
      if (known !== 0) {
        end = known;
        tailHidden = memoHidden[i] === 1;
        break;
      }
      // An attribute name runs to a space, `/`, `>` or `=`; its first character may be `=`.
      const attrStart = i;
      const attrNameEnd = t.attrNameEnd[i + 1] ?? n;
      const attrName = attrNameEnd - attrStart <= 6 ? asciiLowerCase(s.slice(attrStart, attrNameEnd)) : "";
      starts.push(attrStart);
      let value: string | undefined;
      i = t.nonSpace[attrNameEnd] ?? n;
      if (i < n && s.charCodeAt(i) === EQUALS) {
        i = t.nonSpace[i + 1] ?? n;
        if (i >= n) {
          flags.push(false);
          break;
        }
        const q = s.charCodeAt(i);
        if (q === DQUOTE || q === SQUOTE) {
          const close = (q === DQUOTE ? t.nextDoubleQuote : t.nextSingleQuote)[i + 1] ?? n;
          if (close >= n) {
            flags.push(false);
            break;
          }
          if (attrName === "style") value = s.slice(i + 1, close);
          i = close + 1;
        } else if (q !== GT) {
          const valueEnd = t.unquotedValueEnd[i] ?? n;
          if (attrName === "style") value = s.slice(i, valueEnd);
          i = valueEnd;
        }
      }
      flags.push(attrName === "hidden" || (attrName === "style" && value !== undefined && styleHides(value)));
    }

    // Record every attribute start read, with what lies from it to the tag's end.
    let suffixHidden = tailHidden;
    for (let k = starts.length - 1; k >= 0; k--) {
      suffixHidden ||= flags[k] === true;
      const start = starts[k] ?? 0;
      memoEnd[start] = end;
      memoHidden[start] = suffixHidden ? 1 : 0;
    }
    if (end < 0) return undefined;
    return { end, name, hidden: !closing && suffixHidden };
  }
}

interface DelimiterTables {
  /** From i: the first space, `/` or `>` (ends a tag name). */
  tagNameEnd: Int32Array;
  /** From i: the first space, `/`, `>` or `=` (ends an attribute name). */
  attrNameEnd: Int32Array;
  /** From i: the first space or `>` (ends an unquoted attribute value). */
  unquotedValueEnd: Int32Array;
  /** From i: the first character that is not an HTML space. */
  nonSpace: Int32Array;
  nextDoubleQuote: Int32Array;
  nextSingleQuote: Int32Array;
}

/** One right-to-left sweep: for every index, where each delimiter next occurs (n when never). */
function buildTables(s: string): DelimiterTables {
  const n = s.length;
  const make = () => {
    const a = new Int32Array(n + 2);
    a[n] = n;
    a[n + 1] = n;
    return a;
  };
  const tagNameEnd = make();
  const attrNameEnd = make();
  const unquotedValueEnd = make();
  const nonSpace = make();
  const nextDoubleQuote = make();
  const nextSingleQuote = make();
  for (let i = n - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    const space = isHtmlSpace(c);
    tagNameEnd[i] = space || c === SLASH || c === GT ? i : (tagNameEnd[i + 1] ?? n);
    attrNameEnd[i] = space || c === SLASH || c === GT || c === EQUALS ? i : (attrNameEnd[i + 1] ?? n);
    unquotedValueEnd[i] = space || c === GT ? i : (unquotedValueEnd[i + 1] ?? n);
    nonSpace[i] = space ? (nonSpace[i + 1] ?? n) : i;
    nextDoubleQuote[i] = c === DQUOTE ? i : (nextDoubleQuote[i + 1] ?? n);
    nextSingleQuote[i] = c === SQUOTE ? i : (nextSingleQuote[i + 1] ?? n);
  }
  return { tagNameEnd, attrNameEnd, unquotedValueEnd, nonSpace, nextDoubleQuote, nextSingleQuote };
}

/**
 * Whether an inline style makes its element invisible: display:none, visibility:hidden or
 * collapse, a zero (or sub-pixel) font size, zero (or near-zero) opacity. Entities, CSS escapes
 * and comments are decoded first, since the browser decodes them before applying the style.
 */
function styleHides(style: string): boolean {
  const css = decodeCss(decodeEntities(style)).toLowerCase().replace(/\s+/g, "");
  for (const declaration of css.split(";")) {
    const colon = declaration.indexOf(":");
    if (colon < 0) continue;
    const property = declaration.slice(0, colon);
    const value = declaration.slice(colon + 1).replace(/!important$/, "");
    if (property === "display" && value === "none") return true;
    if (property === "visibility" && (value === "hidden" || value === "collapse")) return true;
    if (property === "font-size" && tinyFontSize(value)) return true;
    if (property === "opacity" && tinyOpacity(value)) return true;
  }
  return false;
}

function tinyFontSize(value: string): boolean {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))([a-z%]*)$/.exec(value);
  if (!m) return false;
  const size = Number(m[1]);
  const unit = m[2] ?? "";
  if (size <= 0) return true;
  if (unit === "px" || unit === "pt" || unit === "q") return size < 1;
  if (unit === "%") return size < 10;
  return size < 0.1; // em, rem, ex, ch, vw, …
}

function tinyOpacity(value: string): boolean {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(%?)$/.exec(value);
  if (!m) return false;
  const opacity = Number(m[1]) / (m[2] === "%" ? 100 : 1);
  return opacity < 0.05;
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = { colon: ":", semi: ";", nbsp: " ", tab: "\t", newline: "\n", excl: "!", period: "." };
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));?/g, (whole, dec?: string, hex?: string, name?: string) => {
    if (dec !== undefined) return safeCodePoint(Number.parseInt(dec, 10)) ?? whole;
    if (hex !== undefined) return safeCodePoint(Number.parseInt(hex, 16)) ?? whole;
    return named[(name ?? "").toLowerCase()] ?? whole;
  });
}

function decodeCss(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?(?:\*\/|$)/g, "")
    .replace(/\\([0-9a-fA-F]{1,6})\s?|\\([^\n0-9a-fA-F])/g, (whole, hex?: string, char?: string) =>
      hex !== undefined ? (safeCodePoint(Number.parseInt(hex, 16)) ?? "") : (char ?? whole),
    );
}

function safeCodePoint(cp: number): string | undefined {
  return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : undefined;
}

/** Past the first `needle` at or after `from`, or the end of the text. */
function endAfter(s: string, needle: string, from: number, n: number): number {
  const idx = s.indexOf(needle, from);
  return idx < 0 ? n : idx + needle.length;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isHtmlSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

/** Lower-cases A–Z only, so indexes stay aligned (full Unicode lower-casing can change length). */
function asciiLowerCase(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}
