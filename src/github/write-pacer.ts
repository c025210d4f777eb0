/**
 * Paces writes per installation under GitHub's secondary limits for content-creating requests:
 * at most 80 a minute and 500 an hour. The windows slide: a write goes now only if fewer than
 * the limit went in the last minute and in the last hour, so no minute ever holds more than 80
 * (a token bucket that starts full lets a minute hold twice that). A write GitHub answers with
 * a secondary-limit wait holds every waiting write of the installation (`holdInstallation`).
 */
export class WritePacer {
  #sent = new Map<number, number[]>();

  constructor(
    private readonly perMinute = 80,
    private readonly now: () => number = Date.now,
    private readonly perHour = 500,
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
}
