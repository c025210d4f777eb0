/**
 * The processor: takes stored deliveries and hands them to the Probot app's handlers
 * (`probot.receive`), exactly as if they had just arrived, then records the outcome.
 *
 * Deliveries come a repository's batch at a time (see delivery-queue.ts). On PostgreSQL a batch
 * is first tried in one transaction (one-transaction.ts). Otherwise, or when that attempt is given
 * up, the handlers run one after another, each command committing its own change together with
 * the reconcile it owes (a row: see db/reconcile-due.ts, run by the reconcile worker). One whose
 * handler failed is retried on its own.
 */
import type { Probot } from "probot";
import type { Database } from "../db/client.js";
import type { Logger } from "../logger.js";
import { WorkerLoop } from "../lib/worker-loop.js";
import { deliveriesTotal, deliveryBatchesTotal } from "../server/metrics.js";
import type { Services } from "../services.js";
import { handleInOneTransaction } from "./one-transaction.js";
import { BATCH_LIMIT, claimDeliveries, completeDeliveries, failDelivery, type StoredDelivery } from "./delivery-queue.js";

export interface ProcessorOptions {
  database: Database;
  probot: Probot;
  log: Logger;
  /** The handlers' services: given, a repository's batch is first tried in one transaction. */
  services?: Services;
  concurrency?: number;
  pollMs?: number;
  batchLimit?: number;
  /** After a batch was handled (its commands may have recorded GitHub writes). */
  onHandled?: () => void;
  /** Awaited before each delivery (on PGlite: the intake goes first). */
  turn?: () => Promise<void>;
}

export function createProcessor(options: ProcessorOptions): WorkerLoop<StoredDelivery[]> {
  const { database, probot, log, services } = options;
  const limit = options.batchLimit ?? BATCH_LIMIT;

  /** Runs one delivery's handlers; false (with the delivery set to be retried) when they failed. */
  async function handleOne(delivery: StoredDelivery): Promise<boolean> {
    try {
      await probot.receive({
        id: delivery.deliveryId,
        name: delivery.event,
        payload: delivery.payload,
      } as Parameters<Probot["receive"]>[0]);
      return true;
    } catch (error) {
      const message = describeError(error);
      log
        .child({ delivery: delivery.deliveryId, event: delivery.event, action: delivery.action })
        .warn({ attempts: delivery.attempts, error: message }, "delivery failed; it will be retried");
      await failDelivery(database, delivery, message);
      deliveriesTotal.inc({ outcome: "failed" });
      return false;
    }
  }

  return new WorkerLoop<StoredDelivery[]>({
    name: "processor",
    concurrency: options.concurrency ?? 4,
    pollMs: options.pollMs ?? 1_000,
    log,
    ...(options.turn ? { turn: options.turn } : {}),
    claim: async () => {
      const batch = await claimDeliveries(database, limit);
      return batch.length > 0 ? batch : undefined;
    },
    async handle(batch) {
      if (services) {
        const outcome = await handleInOneTransaction(services, probot, log, batch);
        deliveryBatchesTotal.inc({ path: outcome.handled ? "one-transaction" : "one-by-one" });
        if (outcome.handled) {
          deliveriesTotal.inc({ outcome: "processed" }, batch.length);
          options.onHandled?.();
          return;
        }
        log.debug({ deliveries: batch.length, reason: outcome.reason }, "batch handled one delivery at a time");
      } else {
        deliveryBatchesTotal.inc({ path: "one-by-one" });
      }
      const handled: StoredDelivery[] = [];
      for (const delivery of batch) {
        await options.turn?.();
        if (await handleOne(delivery)) handled.push(delivery);
      }
      await completeDeliveries(database, handled);
      if (handled.length) deliveriesTotal.inc({ outcome: "processed" }, handled.length);
      options.onHandled?.();
    },
  });
}

/** Probot wraps handler errors in an AggregateError: keep every message. */
function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((e) => describeError(e)).join("; ");
  }
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}
