/**
 * The newest issue text (title and body) a writer stood behind. Webhooks can arrive out of
 * order, and each carries the issue as it was then: a writer's edit delivered before the event
 * that makes the issue a task must not be lost, and an older snapshot delivered late must not
 * replace a newer text. GitHub's `updated_at` orders the versions; on a tie, the version seen
 * last wins (that is the order in which GitHub sent them).
 */
import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { issueTexts } from "../../db/schema.js";
import { columnValue, statement } from "../../db/prepared.js";
import type { IssueFacts } from "../issue-facts.js";

export type IssueText = Pick<IssueFacts, "title" | "body">;

/** Records this version's text if it is the newest, and returns the newest one. */
export async function trustedText(tx: DbOrTx, projectId: string, issue: IssueFacts): Promise<IssueText> {
  // A version without a date (never from a webhook) cannot be ordered: it stands alone.
  if (!issue.updatedAt) return { title: issue.title, body: issue.body };
  const editedAt = new Date(issue.updatedAt);
  const written = await upsertText(tx, { projectId, issueNumber: issue.number, title: issue.title, body: issue.body, editedAt });
  if (written[0]) return written[0];
  const [newer] = await tx
    .select({ title: issueTexts.title, body: issueTexts.body })
    .from(issueTexts)
    .where(and(eq(issueTexts.projectId, projectId), eq(issueTexts.issueNumber, issue.number)));
  return newer ?? { title: issue.title, body: issue.body };
}

// Every writer's edit records one: built once (see db/prepared.ts).
const upsertText = statement<{ projectId: string; issueNumber: number; title: string; body: string | null; editedAt: Date }, IssueText[]>(
  "trusted_text",
  (db) =>
    db
      .insert(issueTexts)
      .values({
        projectId: sql.placeholder("projectId"),
        issueNumber: sql.placeholder("issueNumber"),
        title: sql.placeholder("title"),
        body: sql.placeholder("body"),
        editedAt: columnValue("editedAt", issueTexts.editedAt),
      })
      .onConflictDoUpdate({
        target: [issueTexts.projectId, issueTexts.issueNumber],
        set: { title: sql`excluded.title`, body: sql`excluded.body`, editedAt: sql`excluded.edited_at` },
        // Only a version at least as new as the stored one replaces it (`excluded`: this version).
        setWhere: sql`${issueTexts.editedAt} <= excluded.edited_at`,
      })
      .returning({ title: issueTexts.title, body: issueTexts.body }),
);
