/**
 * SQL for the outbox worker. Intents are recorded by the core (core/commands/record-intents.ts),
 * coalescing with a waiting one of the same target (a partial unique index on pending rows). A
 * target is written by one worker at a time, in the order its intents were recorded.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { installationHolds, outbox } from "../db/schema.js";

export type OutboxRow = typeof outbox.$inferSelect;

const LOCK_SECONDS = 120;
const CLAIM_LOCK_KEY = 0x63776f62; // "cwob"

export async function claimOutboxRow(database: Database): Promise<OutboxRow | undefined> {
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${CLAIM_LOCK_KEY})`);
    const [row] = await tx
      .update(outbox)
      .set({
        status: "processing",
        attempts: sql`${outbox.attempts} + 1`,
        lockedUntil: sql`now() + make_interval(secs => ${LOCK_SECONDS})`,
      })
      .where(
        eq(
          outbox.seq,
          sql`(
            select c.seq from ${outbox} c
            where ((c.status = 'pending' and c.run_after <= now())
                or (c.status = 'processing' and c.locked_until < now()))
              and not exists (
                select 1 from ${outbox} p
                where p.target_key = c.target_key and p.status = 'processing'
                  and p.locked_until >= now() and p.seq <> c.seq)
              and not exists (
                select 1 from ${installationHolds} h
                where h.installation_id = c.installation_id and h.until > now())
            order by c.seq
            limit 1
            for update skip locked)`,
        ),
      )
      .returning();
    return row;
  });
}

/**
 * A worker's claim on a row: its status and its attempt. A worker whose lock expired (and whose
 * row another worker took) matches nothing, so its late outcome changes nothing.
 */
function heldClaim(row: OutboxRow) {
  return and(eq(outbox.seq, row.seq), eq(outbox.status, "processing"), eq(outbox.attempts, row.attempts));
}

export async function completeOutboxRow(database: Database, row: OutboxRow): Promise<void> {
  await database.db.update(outbox).set({ status: "done", lockedUntil: null, lastError: null }).where(heldClaim(row));
}

/**
 * Puts a row back to wait until `runAfter`, keeping the error. If a newer intent for the same
 * target arrived meanwhile, the newer one supersedes this one and this row is closed as done.
 */
export async function retryOutboxRow(
  database: Database,
  row: OutboxRow,
  error: string,
  runAfter: Date,
  options: { countAttempt: boolean } = { countAttempt: true },
): Promise<void> {
  try {
    await putBack(database, row, error, runAfter, options);
  } catch (e) {
    // A newer intent for the same target was recorded by a transaction we could not see yet:
    // it holds the one pending place, and it supersedes this row.
    if ((e as { code?: string; cause?: { code?: string } }).code !== "23505" && (e as { cause?: { code?: string } }).cause?.code !== "23505") throw e;
    await database.db
      .update(outbox)
      .set({ status: "done", lockedUntil: null, lastError: `superseded after: ${error}`.slice(0, 10_000) })
      .where(heldClaim(row));
  }
}

/**
 * GitHub answered a write of this installation with a secondary-limit wait: it counts every
 * write of the installation, so none is claimed until then (see `installation_holds`) — not
 * only the one that met it: those waiting, those recorded later, a newer write to its target,
 * in every app process on this database. A later answer never shortens a hold.
 */
export async function holdInstallation(database: Database, installationId: number, until: Date): Promise<void> {
  await database.db
    .insert(installationHolds)
    .values({ installationId, until })
    .onConflictDoUpdate({ target: installationHolds.installationId, set: { until: sql`greatest(${installationHolds.until}, excluded.until)` } });
}

async function putBack(database: Database, row: OutboxRow, error: string, runAfter: Date, options: { countAttempt: boolean }): Promise<void> {
  await database.db.transaction(async (tx) => {
    const newer = await tx
      .select({ seq: outbox.seq })
      .from(outbox)
      .where(and(eq(outbox.targetKey, row.targetKey), eq(outbox.status, "pending")))
      .limit(1);
    await tx
      .update(outbox)
      .set(
        newer.length > 0
          ? { status: "done", lockedUntil: null, lastError: `superseded after: ${error}`.slice(0, 10_000) }
          : {
              status: "pending",
              lockedUntil: null,
              lastError: error.slice(0, 10_000),
              runAfter,
              // A write held back by our own pacing has not been tried: it keeps its attempt.
              ...(options.countAttempt ? {} : { attempts: sql`${outbox.attempts} - 1` }),
            },
      )
      .where(heldClaim(row));
  });
}

/** Dead letter: kept with its error for an operator, never retried by itself. False: the claim was lost meanwhile. */
export async function deadOutboxRow(database: Database, row: OutboxRow, error: string): Promise<boolean> {
  const dead = await database.db
    .update(outbox)
    .set({ status: "dead", lockedUntil: null, lastError: error.slice(0, 10_000) })
    .where(heldClaim(row))
    .returning({ seq: outbox.seq });
  return dead.length > 0;
}
