/**
 * Paces writes per installation under GitHub's secondary limits for content-creating requests:
 * 80 a minute and 500 an hour. The pacer keeps a margin under both (72 and 450 by default):
 * GitHub counts requests this process does not see (a second app process, another integration
 * on the same installation) and its minute need not start where ours does. The windows slide:
 * a write goes now only if fewer than the limit went in the last minute and in the last hour,
 * so no minute ever holds more than the limit (a token bucket that starts full lets a minute
 * hold twice that).
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
