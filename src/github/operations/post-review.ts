/**
 * Posts a review agent's review on a pull request: event COMMENT, always (an agent approves
 * nothing), with its line comments; then records it, with the ids GitHub gave its line comments,
 * so that a writer's `/cw refine` can hand them to a refine agent. A retry first looks for the
 * review an earlier attempt may have posted (its marker), so it is never posted twice. A line
 * comment GitHub refuses (a line outside the diff: 422) is folded into the body instead, so one
 * wrong line number does not lose the review.
 */
import type { Db } from "../../db/client.js";
import { agentReviews } from "../../db/schema.js";
import { commentMarker, type PostReviewIntent } from "../../core/intents.js";
import type { AgentReviewComment } from "../../core/agent-modes.js";
import type { AppOctokit } from "../octokit.js";
import { projectIdOf } from "../pull-request-store.js";

export async function postReview(octokit: AppOctokit, intent: PostReviewIntent, db: Db, options: { isRetry: boolean }): Promise<void> {
  const { owner, repo } = intent.repo;
  const marker = commentMarker(intent.marker);
  const base = { owner, repo, pull_number: intent.pullNumber };
  let review: { id: number; html_url: string; commit_id: string | null } | undefined;
  if (options.isRetry) {
    const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, { ...base, per_page: 100 });
    review = reviews.find((r) => (r.body ?? "").startsWith(marker));
  }
  if (!review) {
    const comments = intent.comments.map((c) => ({
      path: c.path,
      line: c.line,
      side: c.side ?? ("RIGHT" as const),
      ...(c.startLine !== undefined ? { start_line: c.startLine, start_side: c.side ?? ("RIGHT" as const) } : {}),
      body: c.body,
    }));
    const body = `${marker}\n${intent.body}`;
    try {
      review = (await octokit.rest.pulls.createReview({ ...base, commit_id: intent.commitId, event: "COMMENT", body, comments })).data;
    } catch (error) {
      if ((error as { status?: number }).status !== 422 || comments.length === 0) throw error;
      const folded = intent.comments.map((c) => `- \`${c.path.replace(/`/g, "")}:${c.line}\`: ${c.body.replace(/\s*\n\s*/g, " ")}`);
      const note = `\n\nGitHub could not place these comments on lines of the diff:\n\n${folded.join("\n")}`;
      review = (await octokit.rest.pulls.createReview({ ...base, commit_id: intent.commitId, event: "COMMENT", body: body + note })).data;
    }
  }
  const listed = await octokit.paginate(octokit.rest.pulls.listCommentsForReview, { ...base, review_id: review.id, per_page: 100 });
  const comments: AgentReviewComment[] = listed.map((c) => ({
    id: c.id,
    path: c.path,
    line: c.line ?? c.original_line ?? 1,
    ...(c.start_line ? { startLine: c.start_line } : {}),
    ...(c.side ? { side: c.side } : {}),
    body: c.body.startsWith(marker) ? c.body.slice(marker.length).trimStart() : c.body,
    diffHunk: c.diff_hunk,
  }));
  const projectId = await projectIdOf(db, intent.repo);
  await db
    .insert(agentReviews)
    .values({
      projectId,
      pullRequestId: intent.pullRequestId,
      taskId: intent.taskId,
      agentName: intent.agentName,
      reviewId: review.id,
      htmlUrl: review.html_url,
      commitId: review.commit_id ?? intent.commitId,
      body: intent.body,
      comments,
    })
    .onConflictDoNothing();
}
