/**
 * SQL for the inbox. A claim takes the oldest runnable deliveries of a repository that has none
 * in flight, so each repository's events are handled one batch at a time, in order, while
 * different repositories proceed in parallel. A claim whose process died is taken again when its lock
 * expires.
 */
import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { Database, DbOrTx } from "../db/client.js";
import { webhookDeliveries } from "../db/schema.js";
import { backoffMs } from "../lib/backoff.js";

export type StoredDelivery = typeof webhookDeliveries.$inferSelect;

/** Held while a delivery is in flight; a handler must finish well within it. */
const LOCK_SECONDS = 300;
/** Serialises claims across processes so two cannot take the same repository at once ("cwin"). */
const CLAIM_LOCK_KEY = 0x6377696e;
export const MAX_DELIVERY_ATTEMPTS = 8;

/** The most deliveries of one repository handed to the handlers as one batch. */
export const BATCH_LIMIT = 50;

/**
 * Claims the oldest runnable delivery of a repository with none in flight, together with that
 * repository's next runnable ones (up to `limit`, in order): the processor handles them as one
 * batch and reconciles the repository once, after the batch.
 */
export async function claimDeliveries(database: Database, limit = BATCH_LIMIT): Promise<StoredDelivery[]> {
  return database.db
    .transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${CLAIM_LOCK_KEY})`);
      // A claim whose worker died (its lock ran out) is runnable again; its late outcome, if the
      // worker comes back, is fenced out by the attempt number.
      await tx
        .update(webhookDeliveries)
        .set({ status: "pending", lockedUntil: null })
        .where(and(eq(webhookDeliveries.status, "processing"), sql`${webhookDeliveries.lockedUntil} < now()`));
      const [head] = await tx
        .select({ queueKey: webhookDeliveries.queueKey })
        .from(webhookDeliveries)
        .where(
          sql`${webhookDeliveries.status} = 'pending' and ${webhookDeliveries.runAfter} <= now()
          and not exists (
            select 1 from ${webhookDeliveries} p
            where p.queue_key = ${webhookDeliveries.queueKey} and p.status = 'processing')`,
        )
        .orderBy(webhookDeliveries.seq)
        .limit(1);
      if (!head) return [];
      return tx
        .update(webhookDeliveries)
        .set({
          status: "processing",
          attempts: sql`${webhookDeliveries.attempts} + 1`,
          lockedUntil: sql`now() + make_interval(secs => ${LOCK_SECONDS})`,
        })
        .where(
          inArray(
            webhookDeliveries.seq,
            sql`(
            select c.seq from ${webhookDeliveries} c
            where c.queue_key = ${head.queueKey} and c.status = 'pending' and c.run_after <= now()
            order by c.seq
            limit ${limit})`,
          ),
        )
        .returning();
    })
    .then((rows) => rows.sort((a, b) => a.seq - b.seq));
}

/**
 * The outcome counts only for the claim it belongs to (fenced by the attempt number): a worker
 * whose lock expired and whose delivery was claimed again changes nothing when it finishes late.
 */
function heldClaim(delivery: Pick<StoredDelivery, "seq" | "attempts">) {
  return and(eq(webhookDeliveries.seq, delivery.seq), eq(webhookDeliveries.status, "processing"), eq(webhookDeliveries.attempts, delivery.attempts));
}

export async function completeDeliveries(database: { db: DbOrTx }, batch: readonly Pick<StoredDelivery, "seq" | "attempts">[]): Promise<void> {
  if (batch.length === 0) return;
  await database.db
    .update(webhookDeliveries)
    .set({ status: "done", lockedUntil: null, processedAt: new Date(), error: null })
    .where(or(...batch.map(heldClaim)));
}

/** Keeps the error on the row; retries with backoff until the attempts run out. */
export async function failDelivery(database: Database, delivery: StoredDelivery, error: string): Promise<void> {
  const dead = delivery.attempts >= MAX_DELIVERY_ATTEMPTS;
  await database.db
    .update(webhookDeliveries)
    .set({
      status: dead ? "dead" : "pending",
      lockedUntil: null,
      error: error.slice(0, 10_000),
      runAfter: new Date(Date.now() + backoffMs(delivery.attempts)),
      processedAt: dead ? new Date() : null,
    })
    .where(heldClaim(delivery));
}
