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
import type { IssueFacts } from "../issue-facts.js";

export type IssueText = Pick<IssueFacts, "title" | "body">;

/** Records this version's text if it is the newest, and returns the newest one. */
export async function trustedText(tx: DbOrTx, projectId: string, issue: IssueFacts): Promise<IssueText> {
  // A version without a date (never from a webhook) cannot be ordered: it stands alone.
  if (!issue.updatedAt) return { title: issue.title, body: issue.body };
  const editedAt = new Date(issue.updatedAt);
  const written = await tx
    .insert(issueTexts)
    .values({ projectId, issueNumber: issue.number, title: issue.title, body: issue.body, editedAt })
    .onConflictDoUpdate({
      target: [issueTexts.projectId, issueTexts.issueNumber],
      set: { title: issue.title, body: issue.body, editedAt },
      // Only a version at least as new as the stored one replaces it (`excluded`: this version).
      setWhere: sql`${issueTexts.editedAt} <= excluded.edited_at`,
    })
    .returning({ title: issueTexts.title, body: issueTexts.body });
  if (written[0]) return written[0];
  const [newer] = await tx
    .select({ title: issueTexts.title, body: issueTexts.body })
    .from(issueTexts)
    .where(and(eq(issueTexts.projectId, projectId), eq(issueTexts.issueNumber, issue.number)));
  return newer ?? { title: issue.title, body: issue.body };
}
