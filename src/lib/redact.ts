/**
 * Secret redaction for free text: agent output, error messages, anything that is logged, stored
 * or posted. Known secret values (the account's credentials, the installation token) are replaced
 * wherever they occur, whatever their shape, also base64- or URL-encoded; well-known token shapes
 * are replaced even when nobody told us the value.
 *
 * Agent output arrives in chunks and is redacted line by line. A multi-line secret therefore
 * also registers each of its lines, and `createLineRedactor` remembers an open PEM private key
 * block across lines.
 */

export const REDACTED = "[redacted]";

/** Shorter known values are not replaced: they would shred ordinary text ("true", "1234"). */
const MIN_SECRET_LENGTH = 8;

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY-----/;

/** Token shapes, each replaced by `[redacted]` (a kept prefix comes from the replacement). */
const TOKEN_PATTERNS: { pattern: RegExp; replacement: string }[] = [
  // A whole PEM private key block; an unterminated one (a chunk cut inside it) to the end of the text.
  {
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----|[\s\S]*$)/g,
    replacement: REDACTED,
  },
  // `Authorization: Bearer …`, `Authorization: Basic …`, `Authorization: token …` (headers, git -c http.extraHeader).
  {
    pattern: /(authorization["']?\s*[:=]\s*["']?\s*)(bearer|basic|token)\s+[^\s"'`,;]+/gi,
    replacement: `$1$2 ${REDACTED}`,
  },
  // Installation tokens in remote URLs: https://x-access-token:<token>@github.com/…
  { pattern: /(x-access-token:)[^\s@"'`/]+/gi, replacement: `$1${REDACTED}` },
  // GitHub tokens: ghp_ (personal), gho_ (OAuth), ghu_ (user-to-server), ghs_ (installation), ghr_ (refresh).
  { pattern: /(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{20,}/g, replacement: REDACTED },
  { pattern: /(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{20,}/g, replacement: REDACTED },
  // Anthropic keys (sk-ant-api03-…, sk-ant-oat01-…) before the general sk- shape.
  { pattern: /(?<![A-Za-z0-9])sk-ant-[A-Za-z0-9_-]{8,}/g, replacement: REDACTED },
  // OpenAI keys: sk-…, sk-proj-…, sk-svcacct-… of at least 20 characters after the prefix.
  { pattern: /(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{20,}/g, replacement: REDACTED },
  // AWS access key ids (long-term AKIA, temporary ASIA).
  { pattern: /(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/g, replacement: REDACTED },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The forms a secret can be printed in besides itself: base64 (standard and URL-safe, as in
 * Basic auth headers and JWT-like blobs) and URL encoding (in a query string or a URL).
 */
function encodedForms(secret: string): string[] {
  const base64 = Buffer.from(secret, "utf8").toString("base64");
  const unpadded = base64.replace(/=+$/, "");
  return [base64, unpadded, unpadded.replace(/\+/g, "-").replace(/\//g, "_"), encodeURIComponent(secret)];
}

/** The values to look for: each secret, its encodings, and each line of a multi-line secret, longest first. */
function secretValues(knownSecrets: readonly string[]): string[] {
  const values = new Set<string>();
  for (const secret of knownSecrets) {
    if (typeof secret !== "string") continue;
    if (secret.length >= MIN_SECRET_LENGTH) {
      values.add(secret);
      for (const form of encodedForms(secret)) values.add(form);
    }
    if (/[\r\n]/.test(secret)) {
      for (const line of secret.split(/\r?\n/)) {
        const trimmed = line.trim();
        if (trimmed.length >= MIN_SECRET_LENGTH) values.add(trimmed);
      }
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * A function that replaces every known secret (values of at least 8 characters) and every
 * well-known token shape in a text with `[redacted]`. Stateless: safe to share between streams.
 */
export function createRedactor(knownSecrets: readonly string[]): (text: string) => string {
  const values = secretValues(knownSecrets);
  const known = values.length > 0 ? new RegExp(values.map(escapeRegExp).join("|"), "g") : null;
  return (text: string): string => {
    if (text.length === 0) return text;
    let out = known ? text.replace(known, REDACTED) : text;
    for (const { pattern, replacement } of TOKEN_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };
}

/** Redacts token shapes only: for text where no secret value is known. */
export const redactSecrets: (text: string) => string = createRedactor([]);

/**
 * Wraps a redactor for one stream read line by line: the lines of a PEM private key block,
 * from its BEGIN line to its END line, are replaced whole even though each arrives alone.
 * Holds state: use one per stream.
 */
export function createLineRedactor(redact: (text: string) => string): (line: string) => string {
  let insidePemBlock = false;
  return (line: string): string => {
    if (insidePemBlock) {
      if (PEM_END.test(line)) {
        insidePemBlock = false;
        const after = line.slice(line.search(PEM_END)).replace(PEM_END, "");
        return REDACTED + redact(after);
      }
      return REDACTED;
    }
    const begin = line.search(PEM_BEGIN);
    if (begin >= 0 && !PEM_END.test(line.slice(begin))) {
      insidePemBlock = true;
      return redact(line.slice(0, begin)) + REDACTED;
    }
    return redact(line);
  };
}

/** Every string of at least 8 characters in a JSON document (tokens in a credentials file). */
export function secretStringsOf(json: string | undefined): string[] {
  if (!json) return [];
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === "string") {
      if (value.length >= MIN_SECRET_LENGTH) found.push(value);
    } else if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value && typeof value === "object") {
      Object.values(value).forEach(walk);
    }
  };
  try {
    walk(JSON.parse(json));
  } catch {
    found.push(json);
  }
  return found;
}
