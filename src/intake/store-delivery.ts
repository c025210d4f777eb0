import { sql } from "drizzle-orm";
import { webhookDeliveries } from "../db/schema.js";
import type { Db } from "../db/client.js";
import { installationIdOf, queueKeyOf } from "./queue-key.js";

export interface IncomingDelivery {
  deliveryId: string;
  event: string;
  payload: Record<string, unknown>;
  /** The body as received: stored as it is, so the payload is not serialised a second time. */
  rawBody?: string;
  /** False for events the app has no handler for: they are kept, marked ignored. */
  handled: boolean;
}

interface Waiting {
  delivery: IncomingDelivery;
  resolve(stored: boolean): void;
  reject(error: unknown): void;
}

/** At most this many deliveries share one INSERT. */
const MAX_BATCH = 64;

/**
 * Group commit: deliveries that arrive while an INSERT is in flight wait for it and then go in
 * together, one statement and one commit for the lot. Nobody is answered before their row is
 * committed, so "persist before acknowledging" holds; under a burst the database does a fraction
 * of the commits, and a lone delivery still goes in at once (nothing waits on a timer).
 */
class DeliveryWriter {
  #queue: Waiting[] = [];
  #flushing = false;

  constructor(private readonly db: Db) {}

  store(delivery: IncomingDelivery): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ delivery, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH);
        try {
          const stored = await this.#insert(batch.map((w) => w.delivery));
          // A delivery id twice in one batch (a redelivery racing the original): the first wins.
          const answered = new Set<string>();
          for (const w of batch) {
            const id = w.delivery.deliveryId;
            w.resolve(stored.has(id) && !answered.has(id));
            answered.add(id);
          }
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #insert(deliveries: IncomingDelivery[]): Promise<Set<string>> {
    const now = new Date().toISOString();
    const rows = await this.db
      .insert(webhookDeliveries)
      .values(
        deliveries.map((d) => ({
          deliveryId: d.deliveryId,
          event: d.event,
          action: typeof d.payload.action === "string" ? d.payload.action : null,
          installationId: installationIdOf(d.payload),
          queueKey: queueKeyOf(d.payload),
          payload: sql`${d.rawBody ?? JSON.stringify(d.payload)}::json`,
          status: d.handled ? ("pending" as const) : ("ignored" as const),
          processedAt: d.handled ? null : sql`${now}::timestamptz`,
        })),
      )
      .onConflictDoNothing({ target: webhookDeliveries.deliveryId })
      .returning({ deliveryId: webhookDeliveries.deliveryId });
    return new Set(rows.map((r) => r.deliveryId));
  }
}

const writers = new WeakMap<Db, DeliveryWriter>();

/**
 * Stores a delivery once. A redelivery (same X-GitHub-Delivery) changes nothing.
 * Returns whether this call stored it.
 */
export function storeDelivery(db: Db, delivery: IncomingDelivery): Promise<boolean> {
  let writer = writers.get(db);
  if (!writer) {
    writer = new DeliveryWriter(db);
    writers.set(db, writer);
  }
  return writer.store(delivery);
}
