import { webhookDeliveries } from "../db/schema.js";
import type { Db } from "../db/client.js";
import { installationIdOf, queueKeyOf } from "./queue-key.js";

export interface IncomingDelivery {
  deliveryId: string;
  event: string;
  payload: Record<string, unknown>;
  /** False for events the app has no handler for: they are kept, marked ignored. */
  handled: boolean;
}

/**
 * Stores a delivery once. A redelivery (same X-GitHub-Delivery) changes nothing.
 * Returns whether this call stored it.
 */
export async function storeDelivery(db: Db, delivery: IncomingDelivery): Promise<boolean> {
  const action = typeof delivery.payload.action === "string" ? delivery.payload.action : null;
  const stored = await db
    .insert(webhookDeliveries)
    .values({
      deliveryId: delivery.deliveryId,
      event: delivery.event,
      action,
      installationId: installationIdOf(delivery.payload),
      queueKey: queueKeyOf(delivery.payload),
      payload: delivery.payload,
      status: delivery.handled ? "pending" : "ignored",
      processedAt: delivery.handled ? null : new Date(),
    })
    .onConflictDoNothing({ target: webhookDeliveries.deliveryId })
    .returning({ seq: webhookDeliveries.seq });
  return stored.length > 0;
}
