/**
 * Paces writes per installation under GitHub's secondary limits for content-creating requests
 * (at most 80 a minute): a token bucket that lets a burst through and then spaces the rest.
 */
export class WritePacer {
  #buckets = new Map<number, { tokens: number; updatedAt: number }>();

  constructor(
    private readonly perMinute = 80,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds to wait before the next write for this installation (0: go now). */
  reserve(installationId: number): number {
    const t = this.now();
    const bucket = this.#buckets.get(installationId) ?? { tokens: this.perMinute, updatedAt: t };
    const refill = ((t - bucket.updatedAt) / 60_000) * this.perMinute;
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + refill);
    bucket.updatedAt = t;
    bucket.tokens -= 1;
    this.#buckets.set(installationId, bucket);
    return bucket.tokens >= 0 ? 0 : Math.ceil((-bucket.tokens / this.perMinute) * 60_000);
  }
}
