/**
 * A run's finish, tried again while the database is away (a restart, a failover): the work is
 * pushed already, and its PR and summary must not be lost to an outage.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { backoffMs } from "../lib/backoff.js";
import { isDatabaseUnavailable } from "../db/unavailable.js";
import type { Logger } from "../logger.js";

/** How long a finished run waits for the database to come back before it gives up (and its lease lapses). */
export const FINISH_PATIENCE_MS = 30 * 60_000;

/** Runs `fn` again, with backoff, while it fails because the database is unavailable. */
export async function untilDatabaseAnswers<T>(log: Logger, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + FINISH_PATIENCE_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() > giveUpAt || signal.aborted) throw error;
      const wait = backoffMs(attempt, 500, 15_000);
      log.warn({ err: error, retryInMs: wait }, "the database is unavailable: the run's finish is tried again");
      // A runner shutting down stops waiting: the journaled finish is recorded at its next start.
      await sleep(wait, undefined, { signal }).catch(() => {});
      if (signal.aborted) throw error;
    }
  }
}
