/**
 * The GitHub writes a command intends go into the outbox in the command's own transaction; the
 * outbox worker (github/outbox-worker.ts) performs them. Recording coalesces with a waiting
 * intent of the same target (a partial unique index on pending rows): the newer one replaces it.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { outbox } from "../../db/schema.js";
import { targetKeyOf, type GitHubIntent } from "../intents.js";

/**
 * One statement for the whole list. Intents of one target keep the last (the same rule the
 * pending row follows); a pending row that already holds exactly this payload is left alone,
 * so re-recording what is already queued writes nothing.
 */
export async function recordIntents(tx: DbOrTx, intents: readonly GitHubIntent[]): Promise<void> {
  if (intents.length === 0) return;
  const byTarget = new Map<string, GitHubIntent>();
  for (const intent of intents) {
    // The last intent wins, in the place of the first (as an update of the pending row would).
    byTarget.set(targetKeyOf(intent), intent);
  }
  await tx
    .insert(outbox)
    .values(
      [...byTarget].map(([targetKey, intent]) => ({
        targetKey,
        operation: intent.kind,
        installationId: intent.repo.installationId,
        payload: intent as unknown as Record<string, unknown>,
      })),
    )
    .onConflictDoUpdate({
      target: outbox.targetKey,
      targetWhere: sql`${outbox.status} = 'pending'`,
      set: {
        operation: sql`excluded.operation`,
        payload: sql`excluded.payload`,
        installationId: sql`excluded.installation_id`,
        updatedAt: sql`now()`,
      },
      setWhere: sql`${outbox.payload} is distinct from excluded.payload or ${outbox.operation} is distinct from excluded.operation`,
    });
}

/** The waiting writes recorded for these change-set entries are withdrawn (a change set that failed, or is reverted). */
export async function cancelEntryIntents(tx: DbOrTx, entryIds: readonly string[]): Promise<void> {
  if (entryIds.length === 0) return;
  await tx.delete(outbox).where(and(eq(outbox.status, "pending"), inArray(sql`${outbox.payload} ->> 'entryId'`, [...entryIds])));
}

/** Whether a write for one of these change-set entries is being made right now (claimed, its lock alive). */
export async function entryIntentsInFlight(tx: DbOrTx, entryIds: readonly string[]): Promise<boolean> {
  if (entryIds.length === 0) return false;
  const [row] = await tx
    .select({ seq: outbox.seq })
    .from(outbox)
    .where(and(eq(outbox.status, "processing"), sql`${outbox.lockedUntil} >= now()`, inArray(sql`${outbox.payload} ->> 'entryId'`, [...entryIds])))
    .limit(1);
  return row !== undefined;
}
