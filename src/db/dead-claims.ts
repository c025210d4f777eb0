/**
 * Claims left by app processes that died. A claim on the inbox, the outbox or a reconcile row is
 * a lock with an expiry (5 min, 2 min, 1 to 10 min), so that a process that dies holding one does
 * not hold it for ever; but a restart after a crash (kill -9, out of memory, a reboot) would
 * otherwise wait that long for its own previous life: a plan half applied stood still for two
 * minutes, a repository's webhooks for five. When an app starts and no other one is alive on the
 * database (`Database.joinApps`), every claim still held is a dead one's, and its lock expires now.
 * The next claim takes the row again and counts the attempt, so a write that may have landed
 * looks for what it did before doing it again (`create-planned-issue`'s marker).
 *
 * Task leases are not touched: runners can be processes of their own (`codewalkers runner`).
 */
import { eq, isNotNull, sql } from "drizzle-orm";
import type { Db } from "./client.js";
import { outbox, reconcileDue, webhookDeliveries } from "./schema.js";

export async function expireDeadClaims(db: Db): Promise<void> {
  const past = sql`now() - interval '1 second'`;
  await db.update(webhookDeliveries).set({ lockedUntil: past }).where(eq(webhookDeliveries.status, "processing"));
  await db.update(outbox).set({ lockedUntil: past }).where(eq(outbox.status, "processing"));
  await db.update(reconcileDue).set({ lockedUntil: null }).where(isNotNull(reconcileDue.lockedUntil));
}
