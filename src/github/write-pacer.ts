/**
 * Paces writes per installation under GitHub's secondary limits for content-creating requests:
 * 80 a minute and 500 an hour. The pacer keeps a margin under both (72 and 450 by default):
 * GitHub counts requests this process does not see (a second app process, another integration
 * on the same installation) and its minute need not start where ours does. The windows slide:
 * a write goes now only if fewer than the limit went in the last minute and in the last hour,
 * so no minute ever holds more than the limit (a token bucket that starts full lets a minute
 * hold twice that).
 *
 * Every request that writes counts, not every outbox row: one row may make many writes (the
 * labels of a new installation, a planned issue with its sub-issue and dependency links). The
 * outbox worker asks before each one (`paceWrites`); a write the pacer holds back ends its row's
 * attempt with `PacedWrite`, and the row (an idempotent "ensure") is tried again when the pace
 * allows, doing only what is still missing.
 *
 * A write GitHub answers with a secondary-limit wait (403 or 429 with `retry-after`) holds the
 * whole installation in the database, for every process (outbox-queue.ts, `holdInstallation`),
 * not here.
 */
export const GITHUB_WRITES_PER_MINUTE = 80;
export const GITHUB_WRITES_PER_HOUR = 500;
export const PACED_WRITES_PER_MINUTE = 72;
export const PACED_WRITES_PER_HOUR = 450;

export class WritePacer {
  #sent = new Map<number, number[]>();

  constructor(
    private readonly perMinute = PACED_WRITES_PER_MINUTE,
    private readonly now: () => number = Date.now,
    private readonly perHour = PACED_WRITES_PER_HOUR,
  ) {}

  /** Milliseconds to wait before the next write for this installation (0: go now, and it is counted). */
  reserve(installationId: number): number {
    const t = this.now();
    const sent = (this.#sent.get(installationId) ?? []).filter((at) => at > t - 3_600_000);
    this.#sent.set(installationId, sent);
    const lastMinute = sent.filter((at) => at > t - 60_000);
    const waits = [
      lastMinute.length >= this.perMinute ? lastMinute[lastMinute.length - this.perMinute]! + 60_000 - t : 0,
      sent.length >= this.perHour ? sent[sent.length - this.perHour]! + 3_600_000 - t : 0,
    ];
    const wait = Math.max(...waits);
    if (wait > 0) return Math.ceil(wait);
    sent.push(t);
    return 0;
  }

  /** Forgets every write (a test's new world). */
  reset(): void {
    this.#sent.clear();
  }
}

/** A write the pacer held back (not sent): its row waits `waitMs`. */
export class PacedWrite extends Error {
  override name = "PacedWrite";
  constructor(
    readonly waitMs: number,
    /** How many of the row's writes went before this one was held back. */
    readonly sentBefore = 0,
  ) {
    super(`paced under the secondary rate limit for ${waitMs} ms${sentBefore > 0 ? ` after ${sentBefore} writes` : ""}`);
  }
}

/** Octokit's request options as a `before` hook sees them (GraphQL's query is a top-level option there). */
interface RequestShape {
  method?: string;
  url?: string;
  query?: unknown;
  body?: unknown;
}

/** GitHub counts writes: every REST method but GET and HEAD, and GraphQL mutations (a query reads). */
export function isWrite(request: RequestShape): boolean {
  const method = (request.method ?? "GET").toUpperCase();
  if (method === "GET" || method === "HEAD") return false;
  if (request.url?.endsWith("/graphql")) {
    const query = request.query ?? (request.body as { query?: unknown } | undefined)?.query;
    return typeof query !== "string" || /^\s*mutation\b/.test(query);
  }
  return true;
}

/**
 * Has every write of this client asked the pacer first; one held back throws PacedWrite before it
 * is sent, saying how many went before it (a row held back after some of its writes went is part
 * done: its next attempt is a retry, which looks for what this one made).
 */
export function paceWrites(
  octokit: { hook: { before(name: "request", hook: (request: RequestShape) => void): void } },
  pacer: WritePacer,
  installationId: number,
): void {
  let sent = 0;
  octokit.hook.before("request", (request) => {
    if (!isWrite(request)) return;
    const wait = pacer.reserve(installationId);
    if (wait > 0) throw new PacedWrite(wait, sent);
    sent++;
  });
}
