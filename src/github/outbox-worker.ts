/**
 * The outbox worker: performs recorded intents against GitHub with the installation's token,
 * retrying by error kind — transient with backoff and jitter, rate-limited at the time GitHub
 * gives — and keeping the rest as dead letters with their error.
 */
import type { Probot } from "probot";
import type { Database } from "../db/client.js";
import type { Logger } from "../logger.js";
import type { GitHubIntent } from "../core/intents.js";
import { backoffMs } from "../lib/backoff.js";
import { WorkerLoop } from "../lib/worker-loop.js";
import { recordFailure } from "./change-set-entry-store.js";
import { classifyGitHubError } from "./classify-error.js";
import type { AppOctokit } from "./octokit.js";
import { claimOutboxRow, completeOutboxRow, deadOutboxRow, holdInstallation, retryOutboxRow, type OutboxRow } from "./outbox-queue.js";
import { performIntent } from "./perform-intent.js";
import { PacedWrite, paceWrites, type WritePacer } from "./write-pacer.js";

export const MAX_OUTBOX_ATTEMPTS = 10;

export interface OutboxWorkerOptions {
  database: Database;
  probot: Probot;
  log: Logger;
  concurrency?: number;
  pollMs?: number;
  /** The pace under GitHub's secondary limits (the config's, in boot.ts). */
  pacer: WritePacer;
  /** Awaited before each claim (on PGlite: the intake goes first). */
  turn?: () => Promise<void>;
}

export function createOutboxWorker(options: OutboxWorkerOptions): WorkerLoop<OutboxRow> {
  const { database, probot, log, pacer } = options;
  return new WorkerLoop<OutboxRow>({
    name: "outbox",
    concurrency: options.concurrency ?? 2,
    pollMs: options.pollMs ?? 1_000,
    log,
    ...(options.turn ? { turn: options.turn } : {}),
    claim: () => claimOutboxRow(database),
    async handle(row) {
      const intent = row.payload as unknown as GitHubIntent;
      const olog = log.child({ outbox: row.seq, target: row.targetKey, operation: row.operation });
      const installationId = row.installationId ?? intent.repo.installationId;
      try {
        const octokit = (await probot.auth(installationId)) as unknown as AppOctokit;
        paceWrites(octokit, pacer, installationId);
        await performIntent(octokit, intent, { db: database.db, isRetry: row.attempts > 1 });
        await completeOutboxRow(database, row);
      } catch (error) {
        if (error instanceof PacedWrite) {
          // The rest of this row's writes go when the pace allows. Held back before any went, it
          // is not an attempt; after some went, it is (the next one is a retry, `isRetry`, and
          // looks for what this one made before making it again: an issue opened, say).
          await retryOutboxRow(database, row, error.message, new Date(Date.now() + error.waitMs), { countAttempt: error.sentBefore > 0 });
          return;
        }
        const c = classifyGitHubError(error);
        const message = `${c.kind}${c.status ? ` ${c.status}` : ""}: ${c.message}`;
        if (c.kind === "rate-limited" && c.retryAt) {
          olog.warn({ retryAt: c.retryAt }, "rate limited; waiting as GitHub asks");
          // GitHub counts every write of the installation: they all wait, not only this one
          // (held before this row is put back, so no other worker claims one meanwhile).
          await holdInstallation(database, installationId, c.retryAt);
          await retryOutboxRow(database, row, message, c.retryAt, { countAttempt: true });
        } else if ((c.kind === "transient" || c.kind === "unauthorized") && row.attempts < MAX_OUTBOX_ATTEMPTS) {
          await retryOutboxRow(database, row, message, new Date(Date.now() + backoffMs(row.attempts)));
        } else {
          if (c.kind === "bug")
            olog.error(
              { err: error, payload: row.payload },
              "BUG: a GitHub write failed with an error that is not GitHub's; kept as a dead letter, not retried",
            );
          else olog.error({ error: message }, "GitHub write failed for good; kept as a dead letter");
          const dead = await deadOutboxRow(database, row, message);
          // A change set's write: the change set cannot be applied in full, and its reconcile says so.
          if (dead && "entryId" in intent) await recordFailure(database.db, intent, message);
        }
      }
    },
  });
}
