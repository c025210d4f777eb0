/**
 * The processor: takes stored deliveries and hands them to the Probot app's handlers
 * (`probot.receive`), exactly as if they had just arrived, then records the outcome.
 */
import type { Probot } from "probot";
import type { Database } from "../db/client.js";
import type { Logger } from "../logger.js";
import { WorkerLoop } from "../lib/worker-loop.js";
import { claimDelivery, completeDelivery, failDelivery, type StoredDelivery } from "./delivery-queue.js";

export interface ProcessorOptions {
  database: Database;
  probot: Probot;
  log: Logger;
  concurrency?: number;
  pollMs?: number;
}

export function createProcessor(options: ProcessorOptions): WorkerLoop<StoredDelivery> {
  const { database, probot, log } = options;
  return new WorkerLoop<StoredDelivery>({
    name: "processor",
    concurrency: options.concurrency ?? 4,
    pollMs: options.pollMs ?? 1_000,
    log,
    claim: () => claimDelivery(database),
    async handle(delivery) {
      const dlog = log.child({ delivery: delivery.deliveryId, event: delivery.event, action: delivery.action });
      try {
        await probot.receive({
          id: delivery.deliveryId,
          name: delivery.event,
          payload: delivery.payload,
        } as Parameters<Probot["receive"]>[0]);
        await completeDelivery(database, delivery);
      } catch (error) {
        const message = describeError(error);
        dlog.warn({ attempts: delivery.attempts, error: message }, "delivery failed; it will be retried");
        await failDelivery(database, delivery, message);
      }
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
