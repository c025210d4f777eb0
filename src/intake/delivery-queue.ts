/**
 * SQL for the inbox. A claim takes the oldest runnable deliveries of a repository that has none
 * in flight, so each repository's events are handled one batch at a time, in order, while
 * different repositories proceed in parallel. A claim whose process died is taken again when its lock
 * expires.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database, DbOrTx } from "../db/client.js";
import { sqlStatement, statement } from "../db/prepared.js";
import { webhookDeliveries } from "../db/schema.js";
import { backoffMs } from "../lib/backoff.js";

export type StoredDelivery = typeof webhookDeliveries.$inferSelect;

/** Held while a delivery is in flight; a handler must finish well within it. */
const LOCK_SECONDS = 300;
/** Serialises claims across processes so two cannot take the same repository at once ("cwin"). */
const CLAIM_LOCK_KEY = 0x6377696e;
export const MAX_DELIVERY_ATTEMPTS = 8;

/**
 * The most deliveries of one repository handed to the handlers as one batch. A batch's own cost
 * (the claim, its transaction, the project's lock and read, the completion) is paid once for all
 * of them: at 100 rather than 50, the sync bench's app CPU an event fell 10–12%. It holds the
 * project's lock for the whole batch, about 70 ms at 100 on a 2-CPU machine.
 */
export const BATCH_LIMIT = 100;

/**
 * Claims the oldest runnable delivery of a repository with none in flight, together with that
 * repository's next runnable ones (up to `limit`, in order): the processor handles them as one
 * batch and reconciles the repository once, after the batch.
 */
export async function claimDeliveries(database: Database, limit = BATCH_LIMIT): Promise<StoredDelivery[]> {
  return database.db
    .transaction(async (tx) => {
      await claimLock(tx, {});
      // A claim whose worker died (its lock ran out) is runnable again; its late outcome, if the
      // worker comes back, is fenced out by the attempt number.
      await releaseExpired(tx, {});
      const [head] = await selectHead(tx, {});
      if (!head) return [];
      return claimQueue(tx, { queueKey: head.queueKey, limit });
    })
    .then((rows) => rows.sort((a, b) => a.seq - b.seq));
}

// The claim runs before every batch: its statements are built once (see db/prepared.ts).
const claimLock = sqlStatement<Record<string, never>>("claim_deliveries_lock", () => sql`select pg_advisory_xact_lock(${CLAIM_LOCK_KEY})`);

const releaseExpired = sqlStatement<Record<string, never>>(
  "release_expired_deliveries",
  () => sql`update ${webhookDeliveries} set status = 'pending', locked_until = null where status = 'processing' and locked_until < now()`,
);

const selectHead = statement<Record<string, never>, { queueKey: string }[]>("delivery_queue_head", (db) =>
  db
    .select({ queueKey: webhookDeliveries.queueKey })
    .from(webhookDeliveries)
    .where(
      sql`${webhookDeliveries.status} = 'pending' and ${webhookDeliveries.runAfter} <= now()
      and not exists (
        select 1 from ${webhookDeliveries} p
        where p.queue_key = ${webhookDeliveries.queueKey} and p.status = 'processing')`,
    )
    .orderBy(webhookDeliveries.seq)
    .limit(1),
);

const claimQueue = statement<{ queueKey: string; limit: number }, StoredDelivery[]>("claim_deliveries", (db) =>
  db
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
        where c.queue_key = ${sql.placeholder("queueKey")} and c.status = 'pending' and c.run_after <= now()
        order by c.seq
        limit ${sql.placeholder("limit")})`,
      ),
    )
    .returning(),
);

/**
 * The outcome counts only for the claim it belongs to (fenced by the attempt number): a worker
 * whose lock expired and whose delivery was claimed again changes nothing when it finishes late.
 */
function heldClaim(delivery: Pick<StoredDelivery, "seq" | "attempts">) {
  return and(eq(webhookDeliveries.seq, delivery.seq), eq(webhookDeliveries.status, "processing"), eq(webhookDeliveries.attempts, delivery.attempts));
}

export async function completeDeliveries(database: { db: DbOrTx }, batch: readonly Pick<StoredDelivery, "seq" | "attempts">[]): Promise<void> {
  if (batch.length === 0) return;
  const claims = JSON.stringify(batch.map(({ seq, attempts }) => ({ seq, attempts })));
  await markDone(database.db, { claims, processedAt: new Date().toISOString() });
}

// Once per batch: built once (see db/prepared.ts), the batch's claims as JSON text (as
// db/issue-links.ts sends body links), each fenced as heldClaim fences one.
const markDone = sqlStatement<{ claims: string; processedAt: string }>(
  "complete_deliveries",
  () => sql`update ${webhookDeliveries} d
    set status = 'done', locked_until = null, error = null, processed_at = ${sql.placeholder("processedAt")}::timestamptz
    from jsonb_to_recordset(${sql.placeholder("claims")}::text::jsonb) as c(seq bigint, attempts int)
    where d.seq = c.seq and d.status = 'processing' and d.attempts = c.attempts`,
);

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
