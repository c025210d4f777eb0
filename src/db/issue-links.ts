/**
 * "Blocked by" and sub-issue links between issues, as GitHub and issue bodies state them.
 * Kept whether or not either end is a task yet; task and phase dependencies are derived.
 * The rows only: what webhooks, the reconcile's reads and the outbox learn of links from GitHub
 * is written here by each of them, and the commands derive dependencies from them.
 */
import { and, eq, getTableName, sql } from "drizzle-orm";
import type { DbOrTx } from "./client.js";
import { issueLinks, phases, tasks } from "./schema.js";
import { columnValue, sqlStatement, statement } from "./prepared.js";

export type LinkState = "open" | "closed" | "missing" | "unreadable";

export interface LinkTarget {
  toRepo: string;
  toNumber: number;
  toIssueId?: number | null;
  toState: LinkState;
  /** The state comes from GitHub; false for a reference read from a body and not yet checked. */
  verified: boolean;
}

/**
 * A link stated again (`excluded`) over the one stored: what is known of its other end is kept
 * unless the new statement knows better (it is verified). Shared by both upserts below.
 */
const STORED = sql.raw(`"${getTableName(issueLinks)}"`);
const KNOWN_BETTER = {
  toState: sql`case when excluded.verified then excluded.to_state else ${STORED}.to_state end`,
  verified: sql`${STORED}.verified or excluded.verified`,
  toIssueId: sql`case when excluded.verified then coalesce(excluded.to_issue_id, ${STORED}.to_issue_id) else ${STORED}.to_issue_id end`,
};

/** A `Depends on` line of an issue body: the issue it names. */
export interface BodyRef {
  toRepo: string;
  toNumber: number;
}

/**
 * The body's `Depends on` lines are the whole truth about body links: replace them, in one
 * statement. What is known of each issue named comes with it: one of this repository that the
 * app tracks (a task or a phase) has its state, verified; any other starts unverified (counted
 * as open) and is confirmed by a webhook about it or by the reconciler's read, so a burst of
 * issues that name each other costs no reads. A line stated again keeps what is known of its
 * issue unless this statement knows better (KNOWN_BETTER).
 */
export async function replaceBodyLinks(tx: DbOrTx, project: { id: string; name: string }, fromNumber: number, refs: readonly BodyRef[]): Promise<void> {
  await replaceStatement(tx, {
    projectId: project.id,
    repo: project.name.toLowerCase(),
    fromNumber,
    refs: JSON.stringify(refs.map((r) => ({ to_repo: r.toRepo, to_number: r.toNumber }))),
  });
}

// Runs on every edit of a task's text: built once (see prepared.ts). The refs go as JSON text
// (`::text::jsonb`), which both drivers pass as it is.
const replaceStatement = sqlStatement<{ projectId: string; repo: string; fromNumber: number; refs: string }>("replace_body_links", () => {
  const projectId = sql.placeholder("projectId");
  const fromNumber = sql.placeholder("fromNumber");
  const repo = sql.placeholder("repo");
  return sql`
    with named as (
      select distinct on (lower(r.to_repo), r.to_number) r.to_repo, r.to_number
      from jsonb_to_recordset(${sql.placeholder("refs")}::text::jsonb) as r(to_repo text, to_number int)
    ),
    -- A repository is named in any case: a line already stored keeps its row (and what it knows).
    stated as (
      select coalesce(l.to_repo, n.to_repo) as to_repo, n.to_number
      from named n
      left join lateral (
        select l.to_repo from ${issueLinks} l
        where l.project_id = ${projectId} and l.kind = 'blocked_by' and l.source = 'body' and l.from_number = ${fromNumber}
          and lower(l.to_repo) = lower(n.to_repo) and l.to_number = n.to_number
        limit 1
      ) l on true
    ),
    dropped as (
      delete from ${issueLinks} l
      where l.project_id = ${projectId} and l.kind = 'blocked_by' and l.source = 'body' and l.from_number = ${fromNumber}
        and not exists (select 1 from stated s where lower(s.to_repo) = lower(l.to_repo) and s.to_number = l.to_number)
    )
    insert into ${issueLinks} (id, project_id, kind, source, from_number, to_repo, to_number, to_issue_id, to_state, verified, created_at, updated_at)
    select gen_random_uuid()::text, ${projectId}, 'blocked_by', 'body', ${fromNumber}, s.to_repo, s.to_number, null,
           coalesce(k.state, 'open'), k.state is not null, now(), now()
    from stated s
    left join lateral (
      select t.issue_state as state from ${tasks} t
      where lower(s.to_repo) = ${repo} and t.project_id = ${projectId} and t.issue_number = s.to_number
      union all
      select p.issue_state from ${phases} p
      where lower(s.to_repo) = ${repo} and p.project_id = ${projectId} and p.issue_number = s.to_number
      limit 1
    ) k on true
    on conflict (project_id, kind, source, from_number, to_repo, to_number) do update set
      to_state = ${KNOWN_BETTER.toState}, verified = ${KNOWN_BETTER.verified}, to_issue_id = ${KNOWN_BETTER.toIssueId}, updated_at = now()`;
});

/**
 * A link from one issue, in one statement. What is already known of the other end is kept
 * unless the new target knows better (KNOWN_BETTER); an unverified one only touches the row.
 */
export async function upsertLink(
  tx: DbOrTx,
  projectId: string,
  kind: "blocked_by" | "sub_issue",
  source: "native" | "body",
  fromNumber: number,
  target: LinkTarget,
): Promise<void> {
  await tx
    .insert(issueLinks)
    .values({
      projectId,
      kind,
      source,
      fromNumber,
      toRepo: target.toRepo,
      toNumber: target.toNumber,
      toIssueId: target.toIssueId ?? null,
      toState: target.toState,
      verified: target.verified,
    })
    .onConflictDoUpdate({
      target: [issueLinks.projectId, issueLinks.kind, issueLinks.source, issueLinks.fromNumber, issueLinks.toRepo, issueLinks.toNumber],
      set: { ...KNOWN_BETTER, updatedAt: sql`now()` },
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
