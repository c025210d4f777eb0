/**
 * GitHub's secondary limit on content-creating requests, modelled: at most `perMinute` in any
 * sliding minute and `perHour` in any hour, per installation; over it, 403 with `retry-after`
 * (seconds) and a "secondary rate limit" message, and nothing is applied. Which requests count:
 * those that create (POST writes: issues, comments, sub-issue links, dependencies, labels).
 * The clock is the caller's, so a benchmark can model minutes without waiting them.
 */
export interface ContentLimitOptions {
  perMinute?: number;
  perHour?: number;
  now?: () => number;
}

export class ContentLimit {
  readonly perMinute: number;
  readonly perHour: number;
  readonly now: () => number;
  #sent: number[] = [];
  /** 403s answered so far. */
  refused = 0;

  constructor(options: ContentLimitOptions = {}) {
    this.perMinute = options.perMinute ?? 80;
    this.perHour = options.perHour ?? 500;
    this.now = options.now ?? Date.now;
  }

  /** Null: the request goes through (and counts); else the seconds GitHub asks to wait. */
  admit(method: string, kind: string): number | null {
    if (method !== "POST" || kind !== "write") return null;
    const t = this.now();
    this.#sent = this.#sent.filter((at) => at > t - 3_600_000);
    const minute = this.#sent.filter((at) => at > t - 60_000);
    if (minute.length >= this.perMinute) return this.refuse(minute[0]! + 60_000 - t);
    if (this.#sent.length >= this.perHour) return this.refuse(this.#sent[0]! + 3_600_000 - t);
    this.#sent.push(t);
    return null;
  }

  private refuse(ms: number): number {
    this.refused++;
    return Math.max(1, Math.ceil(ms / 1000));
  }
}
