/**
 * Exponential backoff with full jitter: attempt 1 waits up to `base`, each further attempt
 * doubles the ceiling, capped at `max`. Jitter spreads retries so a burst of failures does not
 * come back as a burst.
 */
export function backoffMs(attempt: number, base = 1_000, max = 5 * 60_000, random = Math.random): number {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
