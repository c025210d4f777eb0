/**
 * The GitHub writes a command intends go into the outbox in the command's own transaction; the
 * outbox worker (github/outbox-worker.ts) performs them. Recording coalesces with a waiting
 * intent of the same target (a partial unique index on pending rows): the newer one replaces it.
 */
import { sql } from "drizzle-orm";
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
