/**
 * A reply in a line comment's thread, posted once. Review comments are not issue comments, but
 * the app remembers its reply the same way (github_comments, keyed by the pull request's number
 * and the marker), so a second attempt sends nothing; a retry after a failed attempt first looks
 * for the marker in the thread, in case the earlier attempt did post.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { githubComments } from "../../db/schema.js";
import { commentMarker, type ReplyToReviewCommentIntent } from "../../core/intents.js";
import type { AppOctokit } from "../octokit.js";
import { projectIdOf } from "../pull-request-store.js";

export async function replyToReviewComment(octokit: AppOctokit, intent: ReplyToReviewCommentIntent, db: Db, options: { isRetry: boolean }): Promise<void> {
  const { owner, repo } = intent.repo;
  const projectId = await projectIdOf(db, intent.repo);
  const where = and(eq(githubComments.projectId, projectId), eq(githubComments.issueNumber, intent.pullNumber), eq(githubComments.marker, intent.marker));
  const [known] = await db.select().from(githubComments).where(where);
  if (known) return;
  const marker = commentMarker(intent.marker);
  let commentId: number | undefined;
  if (options.isRetry) {
    const comments = await octokit.paginate(octokit.rest.pulls.listReviewComments, { owner, repo, pull_number: intent.pullNumber, per_page: 100 });
    commentId = comments.find((c) => c.in_reply_to_id === intent.commentId && c.body.startsWith(marker))?.id;
  }
  if (commentId === undefined) {
    const { data } = await octokit.rest.pulls.createReplyForReviewComment({
      owner,
      repo,
      pull_number: intent.pullNumber,
      comment_id: intent.commentId,
      body: `${marker}\n${intent.body}`,
    });
    commentId = data.id;
  }
  await db.insert(githubComments).values({ projectId, issueNumber: intent.pullNumber, marker: intent.marker, commentId }).onConflictDoNothing();
}
