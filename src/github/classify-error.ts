/**
 * Every error from GitHub is classified here, once, at the boundary; the rest of the app
 * reasons about kinds, not status codes.
 */
export type GitHubErrorKind =
  | "transient" // 5xx, network, the database briefly away, "not yet": retry with backoff
  | "rate-limited" // primary or secondary limit: retry at `retryAt`
  | "unauthorized" // 401: the token or the key is wrong
  | "not-found" // 404, 410: the object is gone or unreadable
  | "conflict" // 409: e.g. a head that moved
  | "permanent" // any other HTTP answer: retrying will not help
  | "bug"; // not an HTTP, network or database error (a TypeError…): ours to fix, never retried

/** Thrown by an operation that cannot be done yet but will be (a pull request not opened yet): retried. */
export class NotYetError extends Error {}

export interface ClassifiedError {
  kind: GitHubErrorKind;
  status: number | undefined;
  message: string;
  /** When a rate-limited request may be sent again. */
  retryAt?: Date;
}

interface HttpErrorShape {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

const SECONDARY_LIMIT_WAIT_MS = 60_000;

export function classifyGitHubError(error: unknown, now: Date = new Date()): ClassifiedError {
  const e = (typeof error === "object" && error !== null ? error : {}) as HttpErrorShape;
  const status = typeof e.status === "number" ? e.status : undefined;
  const message = errorMessage(e, error);
  const headers = e.response?.headers ?? {};

  if (status === undefined) {
    return isTransient(error) ? { kind: "transient", status, message } : { kind: "bug", status, message: bugMessage(error, message) };
  }
  if (status >= 500) return { kind: "transient", status, message };
  if (status === 401) return { kind: "unauthorized", status, message };
  if (status === 403 || status === 429) {
    const retryAfter = Number(headers["retry-after"]);
    if (Number.isFinite(retryAfter) && retryAfter >= 0) {
      return { kind: "rate-limited", status, message, retryAt: new Date(now.getTime() + retryAfter * 1000) };
    }
    if (String(headers["x-ratelimit-remaining"]) === "0") {
      const reset = Number(headers["x-ratelimit-reset"]);
      const retryAt = Number.isFinite(reset) ? new Date(reset * 1000) : new Date(now.getTime() + SECONDARY_LIMIT_WAIT_MS);
      return { kind: "rate-limited", status, message, retryAt };
    }
    if (status === 429 || /rate limit/i.test(message)) {
      return { kind: "rate-limited", status, message, retryAt: new Date(now.getTime() + SECONDARY_LIMIT_WAIT_MS) };
    }
    return { kind: "permanent", status, message };
  }
  if (status === 404 || status === 410) return { kind: "not-found", status, message };
  if (status === 409) return { kind: "conflict", status, message };
  return { kind: "permanent", status, message };
}

function errorMessage(e: HttpErrorShape, original: unknown): string {
  const data = e.response?.data as { message?: unknown } | undefined;
  if (data && typeof data.message === "string") return data.message;
  if (typeof e.message === "string") return e.message;
  return String(original);
}

/** Network codes (node, undici), postgres.js's connection codes, and PostgreSQL's own errors. */
function isTransient(error: unknown): boolean {
  if (error instanceof NotYetError) return true;
  if (typeof error !== "object" || error === null) return false;
  const { code, name, severity } = error as { code?: unknown; name?: unknown; severity?: unknown };
  if (typeof severity === "string") return true; // a PostgresError: the database refused or went away
  if (name === "AbortError" || name === "TimeoutError") return true;
  return typeof code === "string" && (/^E[A-Z]+$/.test(code) || code.startsWith("UND_ERR") || code.startsWith("CONNECTION_"));
}

function bugMessage(error: unknown, message: string): string {
  return error instanceof Error && error.stack ? error.stack : message;
}
