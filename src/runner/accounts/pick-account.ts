/**
 * Account rotation. The runner takes the least recently used account of a provider that is not
 * exhausted; an agent that hits a usage or rate limit marks its account exhausted until the reset
 * time, and the task moves on to another account, or waits until `nextAvailableAt`.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { accounts } from "../../db/schema.js";
import type { Account } from "./account-store.js";

// Dates inside raw SQL go as ISO strings: drizzle's postgres.js driver does not serialise a Date
// parameter it cannot type (PGlite would), and an ISO string with an explicit cast works on both.

/** How long an account rests when the agent did not say when its limit resets. */
export const DEFAULT_EXHAUSTION_MS = 60 * 60 * 1000;
/** Shared by every process picking accounts ("cwac"). */
const PICK_LOCK_KEY = 0x63776163;

/**
 * Claims the least recently used usable account of `provider` (never used first, then by sort
 * order) and stamps it used at `now`. One UPDATE, so one short transaction: `FOR UPDATE SKIP
 * LOCKED` makes concurrent runners take different accounts instead of waiting for each other. An
 * account whose reset time has passed is usable again and loses its exhausted mark.
 */
export async function pickAccount(db: DbOrTx, provider: string, now: Date = new Date()): Promise<Account | undefined> {
  // SKIP LOCKED alone leaves a window: a picker whose snapshot predates another's commit can
  // still see the other's account as least recently used once its lock is gone. Picks are a
  // few milliseconds, so they simply take turns.
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${PICK_LOCK_KEY})`);
    const [row] = await tx
      .update(accounts)
      .set({ lastUsedAt: now, isExhausted: false, exhaustedUntil: null, updatedAt: now })
      .where(
        eq(
          accounts.id,
          sql`(
            select a.id from ${accounts} a
            where a.provider = ${provider}
              and a.invalid_reason is null
              and (not a.is_exhausted or a.exhausted_until <= ${now.toISOString()}::timestamptz)
            order by a.last_used_at asc nulls first, a.sort_order asc, a.created_at asc, a.id asc
            limit 1
            for update skip locked)`,
        ),
      )
      .returning();
    return row;
  });
}

/**
 * Rests an account until `until` (an hour from `now` when the agent gave no reset time). A later
 * reset already recorded by another agent on the same account is kept.
 */
export async function markExhausted(db: DbOrTx, accountId: string, until: Date | null, now: Date = new Date()): Promise<void> {
  const resetAt = until ?? new Date(now.getTime() + DEFAULT_EXHAUSTION_MS);
  await db
    .update(accounts)
    .set({
      isExhausted: true,
      exhaustedUntil: sql`case
        when ${accounts.isExhausted} and ${accounts.exhaustedUntil} > ${resetAt.toISOString()}::timestamptz
        then ${accounts.exhaustedUntil}
        else ${resetAt.toISOString()}::timestamptz end`,
      updatedAt: now,
    })
    .where(eq(accounts.id, accountId));
}

/**
 * When the next account of `provider` can be used: `now` if one is usable already, else the
 * earliest reset time. Null when none will ever come back by itself: no account is registered
 * (or every one is marked exhausted without a reset time). Accounts whose credentials the
 * provider refused do not count.
 */
export async function nextAvailableAt(db: DbOrTx, provider: string, now: Date = new Date()): Promise<Date | null> {
  const at = now.toISOString();
  const [row] = await db
    .select({
      next: sql<Date | string | null>`min(case
        when not ${accounts.isExhausted} or ${accounts.exhaustedUntil} <= ${at}::timestamptz then ${at}::timestamptz
        else ${accounts.exhaustedUntil} end)`,
    })
    .from(accounts)
    .where(and(eq(accounts.provider, provider), isNull(accounts.invalidReason)));
  const next = row?.next;
  return next === null || next === undefined ? null : new Date(next);
}

/** How many accounts of `provider` the provider refused (401), waiting for `accounts test`. */
export async function invalidAccountCount(db: DbOrTx, provider: string): Promise<number> {
  const rows = await db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(eq(accounts.provider, provider), sql`${accounts.invalidReason} is not null`));
  return rows.length;
}
