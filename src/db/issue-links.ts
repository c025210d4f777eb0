/**
 * "Blocked by" and sub-issue links between issues, as GitHub and issue bodies state them.
 * Kept whether or not either end is a task yet; task and phase dependencies are derived.
 * The rows only: what webhooks, the reconcile's reads and the outbox learn of links from GitHub
 * is written here by each of them, and the commands derive dependencies from them.
 */
import { and, eq, getTableName, notInArray, sql } from "drizzle-orm";
import type { DbOrTx } from "./client.js";
import { issueLinks } from "./schema.js";
import { statement, columnValue } from "./prepared.js";

export type LinkState = "open" | "closed" | "missing" | "unreadable";

export interface LinkTarget {
  toRepo: string;
  toNumber: number;
  toIssueId?: number | null;
  toState: LinkState;
  /** The state comes from GitHub; false for a reference read from a body and not yet checked. */
  verified: boolean;
}

/** The body's `Depends on` lines are the whole truth about body links: replace them. */
export async function replaceBodyLinks(tx: DbOrTx, projectId: string, fromNumber: number, targets: readonly LinkTarget[]): Promise<void> {
  const mine = and(
    eq(issueLinks.projectId, projectId),
    eq(issueLinks.kind, "blocked_by"),
    eq(issueLinks.source, "body"),
    eq(issueLinks.fromNumber, fromNumber),
  );
  const keep = targets.map((t) => `${t.toRepo.toLowerCase()}#${t.toNumber}`);
  await tx.delete(issueLinks).where(keep.length ? and(mine, notInArray(sql`lower(${issueLinks.toRepo}) || '#' || ${issueLinks.toNumber}`, keep)) : mine);
  await upsertLinks(tx, projectId, "blocked_by", "body", fromNumber, targets);
}

/** A body naming the same issue twice is one link (a statement may not upsert a row twice). */
function uniqueTargets(targets: readonly LinkTarget[]): LinkTarget[] {
  const byKey = new Map<string, LinkTarget>();
  for (const t of targets) {
    const key = `${t.toRepo}#${t.toNumber}`;
    if (!byKey.has(key) || t.verified) byKey.set(key, t);
  }
  return [...byKey.values()];
}

export async function upsertLink(
  tx: DbOrTx,
  projectId: string,
  kind: "blocked_by" | "sub_issue",
  source: "native" | "body",
  fromNumber: number,
  target: LinkTarget,
): Promise<void> {
  await upsertLinks(tx, projectId, kind, source, fromNumber, [target]);
}

/**
 * Links from one issue, in one statement. What is already known of the other end is kept
 * unless the new target knows better (it is verified); an unverified one only touches the row.
 */
async function upsertLinks(
  tx: DbOrTx,
  projectId: string,
  kind: "blocked_by" | "sub_issue",
  source: "native" | "body",
  fromNumber: number,
  targets: readonly LinkTarget[],
): Promise<void> {
  if (targets.length === 0) return;
  const known = sql.raw(`"${getTableName(issueLinks)}"`);
  await tx
    .insert(issueLinks)
    .values(
      uniqueTargets(targets).map((t) => ({
        projectId,
        kind,
        source,
        fromNumber,
        toRepo: t.toRepo,
        toNumber: t.toNumber,
        toIssueId: t.toIssueId ?? null,
        toState: t.toState,
        verified: t.verified,
      })),
    )
    .onConflictDoUpdate({
      target: [issueLinks.projectId, issueLinks.kind, issueLinks.source, issueLinks.fromNumber, issueLinks.toRepo, issueLinks.toNumber],
      set: {
        toState: sql`case when excluded.verified then excluded.to_state else ${known}.to_state end`,
        verified: sql`${known}.verified or excluded.verified`,
        toIssueId: sql`case when excluded.verified then coalesce(excluded.to_issue_id, ${known}.to_issue_id) else ${known}.to_issue_id end`,
        updatedAt: sql`now()`,
      },
    });
}

export async function removeLink(
  tx: DbOrTx,
  projectId: string,
  kind: "blocked_by" | "sub_issue",
  source: "native" | "body",
  fromNumber: number,
  toRepo: string,
  toNumber: number,
): Promise<void> {
  await tx
    .delete(issueLinks)
    .where(
      and(
        eq(issueLinks.projectId, projectId),
        eq(issueLinks.kind, kind),
        eq(issueLinks.source, source),
        eq(issueLinks.fromNumber, fromNumber),
        sql`lower(${issueLinks.toRepo}) = ${toRepo.toLowerCase()}`,
        eq(issueLinks.toNumber, toNumber),
      ),
    );
}

/**
 * An issue changed state (closed, reopened, deleted, transferred): every link to it, in any
 * repository, learns it. Returns the projects whose tasks may now move.
 */
export async function markLinkTargets(tx: DbOrTx, toRepo: string, toNumber: number, toState: LinkState): Promise<string[]> {
  const rows = await updateLinkTargets(tx, { toRepo: toRepo.toLowerCase(), toNumber, toState, updatedAt: new Date() });
  return [...new Set(rows.map((r) => r.projectId))];
}

// Runs on every issue event: built once (see db/prepared.ts).
const updateLinkTargets = statement<{ toRepo: string; toNumber: number; toState: LinkState; updatedAt: Date }, { projectId: string }[]>(
  "mark_link_targets",
  (db) =>
    db
      .update(issueLinks)
      .set({ toState: columnValue("toState", issueLinks.toState), verified: true, updatedAt: columnValue("updatedAt", issueLinks.updatedAt) })
      .where(
        and(
          sql`lower(${issueLinks.toRepo}) = ${sql.placeholder("toRepo")}`,
          eq(issueLinks.toNumber, sql.placeholder("toNumber")),
          sql`(${issueLinks.toState} <> ${columnValue("toState", issueLinks.toState)} or not ${issueLinks.verified})`,
        ),
      )
      .returning({ projectId: issueLinks.projectId }),
);

/** An issue moved to another repository: links to it follow it there. */
export async function retargetLinks(
  tx: DbOrTx,
  from: { repo: string; number: number },
  to: { repo: string; number: number; state: LinkState },
): Promise<string[]> {
  const rows = await tx
    .update(issueLinks)
    .set({ toRepo: to.repo, toNumber: to.number, toState: to.state, verified: true })
    .where(and(sql`lower(${issueLinks.toRepo}) = ${from.repo.toLowerCase()}`, eq(issueLinks.toNumber, from.number)))
    .returning({ projectId: issueLinks.projectId });
  return [...new Set(rows.map((r) => r.projectId))];
}

/** The parent issue of `childNumber` in this repository, if any. */
export async function parentOf(tx: DbOrTx, projectId: string, repoName: string, childNumber: number): Promise<number | null> {
  const [row] = await selectParent(tx, { projectId, toRepo: repoName.toLowerCase(), childNumber });
  return row?.parent ?? null;
}

const selectParent = statement<{ projectId: string; toRepo: string; childNumber: number }, { parent: number }[]>("parent_of", (db) =>
  db
    .select({ parent: issueLinks.fromNumber })
    .from(issueLinks)
    .where(
      and(
        eq(issueLinks.projectId, sql.placeholder("projectId")),
        eq(issueLinks.kind, "sub_issue"),
        sql`lower(${issueLinks.toRepo}) = ${sql.placeholder("toRepo")}`,
        eq(issueLinks.toNumber, sql.placeholder("childNumber")),
      ),
    )
    .limit(1),
);
