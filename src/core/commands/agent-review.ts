/**
 * A review agent's review, at the end of its run: posted on its pull request as a COMMENT with
 * its line comments (the outbox records the review for `/cw refine`). See core/agent-review.ts.
 */
import type { GitHubIntent, RepoRef } from "../intents.js";
import { agentReviewBody, agentReviewMarker } from "../agent-review.js";
import type { AgentReviewComment } from "../agent-modes.js";

export interface ReviewToPost {
  /** The commit reviewed (the head the agent's worktree started from). */
  commitId: string;
  body: string;
  summary: string;
  comments: AgentReviewComment[];
  /** The event the agent asked for when it was not COMMENT (APPROVE, REQUEST_CHANGES…): downgraded. */
  askedFor: string | null;
}

export function reviewDoneIntents(
  repo: RepoRef,
  taskId: string,
  pr: { id: string; number: number },
  review: ReviewToPost,
  agentName: string | null,
): GitHubIntent[] {
  return [
    {
      kind: "post-review",
      repo,
      pullNumber: pr.number,
      pullRequestId: pr.id,
      taskId,
      agentName,
      commitId: review.commitId,
      marker: agentReviewMarker(taskId),
      body: agentReviewBody(agentName, review.body, review.summary, review.askedFor, review.comments.length),
      comments: review.comments.map(({ path, line, startLine, side, body }) => ({
        path,
        line,
        ...(startLine !== undefined ? { startLine } : {}),
        ...(side ? { side } : {}),
        body,
      })),
    },
  ];
}
