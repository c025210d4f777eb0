/**
 * The processor: takes stored deliveries and hands them to the Probot app's handlers
 * (`probot.receive`), exactly as if they had just arrived, then records the outcome.
 *
 * Deliveries come a repository's batch at a time (see delivery-queue.ts): the handlers run one
 * after another, each command committing its own change, and the reconcile they owe their
 * repository runs once at the end (see deferred-reconcile.ts), followed by the replies that
 * report state. A delivery counts as done only after that reconcile has committed; one whose
 * handler failed is retried on its own.
 */
import type { Probot } from "probot";
import { deferringReconciles } from "../core/commands/deferred-reconcile.js";
import { projectTransaction } from "../core/commands/project-transaction.js";
import { reconcileTasksNow } from "../core/commands/reconcile-tasks.js";
import type { Database } from "../db/client.js";
import type { Logger } from "../logger.js";
import { WorkerLoop } from "../lib/worker-loop.js";
import { BATCH_LIMIT, claimDeliveries, completeDeliveries, failDelivery, type StoredDelivery } from "./delivery-queue.js";

export interface ProcessorOptions {
  database: Database;
  probot: Probot;
  log: Logger;
  concurrency?: number;
  pollMs?: number;
  batchLimit?: number;
  /** After a batch's reconcile committed (it may have queued GitHub writes). */
  onReconciled?: () => void;
}

export function createProcessor(options: ProcessorOptions): WorkerLoop<StoredDelivery[]> {
  const { database, probot, log } = options;
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
      return false;
    }
  }

  return new WorkerLoop<StoredDelivery[]>({
    name: "processor",
    concurrency: options.concurrency ?? 4,
    pollMs: options.pollMs ?? 1_000,
    log,
    claim: async () => {
      const batch = await claimDeliveries(database, limit);
      return batch.length > 0 ? batch : undefined;
    },
    async handle(batch) {
      const { result: handled, scope } = await deferringReconciles<StoredDelivery, StoredDelivery[]>(async (scope) => {
        const ok: StoredDelivery[] = [];
        for (const delivery of batch) {
          scope.current = delivery;
          if (await handleOne(delivery)) ok.push(delivery);
        }
        return ok;
      });
      try {
        for (const projectId of scope.projects) {
          await projectTransaction(database.db, projectId, (tx) => reconcileTasksNow(tx, projectId), { flushedLater: true });
        }
      } catch (error) {
        // Nothing of the batch is lost: its deliveries are handled again, and reconciled then.
        const message = `reconcile after the batch failed: ${describeError(error)}`;
        log.warn({ deliveries: handled.length, error: message }, "batch reconcile failed; its deliveries will be retried");
        for (const delivery of handled) await failDelivery(database, delivery, message);
        return;
      }
      // Replies that report state, now that the state is converged.
      const failed = new Set<StoredDelivery>();
      for (const followUp of scope.followUps) {
        if (followUp.key === undefined || failed.has(followUp.key)) continue;
        try {
          await followUp.run();
        } catch (error) {
          failed.add(followUp.key);
          await failDelivery(database, followUp.key, describeError(error));
        }
      }
      await completeDeliveries(database, handled.filter((d) => !failed.has(d)));
      if (scope.projects.size > 0 || scope.followUps.length > 0) options.onReconciled?.();
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
