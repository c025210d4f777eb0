/**
 * SQL for the reconcile rows (see db/reconcile-due.ts for marking). A claim takes the most urgent
 * due row nobody holds (`plan` rows first: they are cheap and someone waits for them), under a
 * lock that lapses if its worker dies. A row is completed only if no mark came after the one the
 * worker saw (its generation); otherwise it stays due and is reconciled again.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { projects, reconcileDue } from "../db/schema.js";
import { GITHUB_SCOPE, PLAN_SCOPE } from "../db/reconcile-due.js";
import { backoffMs } from "../lib/backoff.js";

export type ReconcileRow = typeof reconcileDue.$inferSelect;

/**
 * Claims the most urgent due row of one of `scopes` (a prefix ending in `:` matches its family),
 * held for `lockSeconds`: its work must end within it, or the row is taken again.
 */
export async function claimReconcile(
  database: Database,
  scopes: readonly string[],
  lockSeconds: number,
  /** "owed": also what is owed but not yet due, except rows waiting out a failure (a drain: do now all that is owed). */
  when: "due" | "owed" = "due",
): Promise<ReconcileRow | undefined> {
  const inScope = sql.join(
    scopes.map((s) => (s.endsWith(":") ? sql`c.scope like ${`${s}%`}` : sql`c.scope = ${s}`)),
    sql` or `,
  );
  const [row] = await database.db
    .update(reconcileDue)
    // The claim answers every mark made so far, urgent ones too (see settleReconcile).
    .set({ lockedUntil: sql`now() + make_interval(secs => ${lockSeconds})`, attempts: sql`${reconcileDue.attempts} + 1`, urgent: false })
    .where(
      sql`(${reconcileDue.projectId}, ${reconcileDue.scope}) = (
        select c.project_id, c.scope from ${reconcileDue} c join ${projects} p on p.id = c.project_id
        where p.installed and (${inScope}) and ${when === "due" ? sql`c.due_at <= now()` : sql`(c.due_at <= now() or c.last_error is null)`} and (c.locked_until is null or c.locked_until < now())
        order by (c.scope = ${PLAN_SCOPE}) desc, c.due_at
        limit 1
        for update of c skip locked)`,
    )
    .returning();
  return row;
}

/** Keeps the error; the row is due again after a backoff. */
export async function failReconcile(database: Database, row: Pick<ReconcileRow, "projectId" | "scope" | "attempts">, error: string): Promise<void> {
  await database.db
    .update(reconcileDue)
    .set({ lockedUntil: null, lastError: error.slice(0, 10_000), dueAt: new Date(Date.now() + backoffMs(row.attempts)) })
    .where(and(eq(reconcileDue.projectId, row.projectId), eq(reconcileDue.scope, row.scope)));
}

/** Every installed repository has a `github` row (a database from before these rows, or a lost one). */
export async function scheduleGitHubReads(database: Database): Promise<void> {
  await database.db.execute(sql`
    insert into ${reconcileDue} (project_id, scope)
    select id, ${GITHUB_SCOPE} from ${projects} where installed
    on conflict (project_id, scope) do nothing`);
}

/** When the next row of `scope` nobody holds falls due, if any. */
export async function nextDue(database: Database, scope: string): Promise<Date | undefined> {
  const [row] = await database.db
    .select({ at: sql<Date | string | null>`min(${reconcileDue.dueAt})` })
    .from(reconcileDue)
    .where(and(eq(reconcileDue.scope, scope), sql`(${reconcileDue.lockedUntil} is null or ${reconcileDue.lockedUntil} < now())`));
  return row?.at ? new Date(row.at) : undefined;
}
