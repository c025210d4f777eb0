/**
 * Keeps one comment of the app's per issue and marker. The comment's id is remembered, so an
 * update is one PATCH and an unchanged body is no request at all. A retry after a failed
 * attempt first looks for the marker, in case the earlier attempt did post before failing.
 */
import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { githubComments, projects } from "../../db/schema.js";
import type { UpsertCommentIntent } from "../../core/intents.js";
import { commentMarker } from "../../core/intents.js";
import { renderComment } from "../../core/comment-body.js";
import type { AppOctokit } from "../octokit.js";
import { PacedWrite } from "../write-pacer.js";

/** The comment id of a create whose answer was lost: it may or may not exist. */
const UNKNOWN_COMMENT = 0;

export async function upsertComment(octokit: AppOctokit, intent: UpsertCommentIntent, db: Db, options: { isRetry: boolean }): Promise<void> {
  const { owner, repo } = intent.repo;
  const body = renderComment(intent);
  const bodyHash = createHash("sha256").update(body).digest("hex");
  const [project] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(eq(projects.name, `${owner}/${repo}`));
  if (!project) throw new Error(`unknown repository ${owner}/${repo}`);
  const where = and(eq(githubComments.projectId, project.id), eq(githubComments.issueNumber, intent.issueNumber), eq(githubComments.marker, intent.marker));
  const [known] = await db.select().from(githubComments).where(where);

  // A create whose answer was lost may have posted: look for it before posting again, whichever
  // write of this comment comes next (a newer intent that superseded the failed one included).
  const inDoubt = known?.commentId === UNKNOWN_COMMENT;
  if (known && !inDoubt) {
    if (known.bodyHash === bodyHash) return;
    try {
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: known.commentId, body });
      await db.update(githubComments).set({ bodyHash }).where(where);
      return;
    } catch (error) {
      // Someone deleted our comment: post it again.
      if ((error as { status?: number }).status !== 404) throw error;
      await db.delete(githubComments).where(where);
    }
  }

  const found = options.isRetry || inDoubt ? await findMarkedComment(octokit, intent) : undefined;
  let commentId: number;
  if (found !== undefined) {
    await octokit.rest.issues.updateComment({ owner, repo, comment_id: found, body });
    commentId = found;
  } else {
    try {
      const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: intent.issueNumber, body });
      commentId = data.id;
    } catch (error) {
      const status = (error as { status?: number }).status;
      // (A write the pacer held back was never sent: not in doubt.)
      if (!(error instanceof PacedWrite) && (status === undefined || status >= 500)) {
        // GitHub may have posted it: remembered as "in doubt" until the marker is looked up.
        await db
          .insert(githubComments)
          .values({ projectId: project.id, issueNumber: intent.issueNumber, marker: intent.marker, commentId: UNKNOWN_COMMENT, bodyHash: null })
          .onConflictDoNothing();
      }
      throw error;
    }
  }
  await db
    .insert(githubComments)
    .values({ projectId: project.id, issueNumber: intent.issueNumber, marker: intent.marker, commentId, bodyHash })
    .onConflictDoUpdate({
      target: [githubComments.projectId, githubComments.issueNumber, githubComments.marker],
      set: { commentId, bodyHash },
    });
}

async function findMarkedComment(octokit: AppOctokit, intent: UpsertCommentIntent): Promise<number | undefined> {
  const marker = commentMarker(intent.marker);
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: intent.repo.owner,
    repo: intent.repo.repo,
    issue_number: intent.issueNumber,
    per_page: 100,
  });
  return comments.find((c) => c.body?.startsWith(marker))?.id;
}
