/**
 * `/cw refine` on one of the app's pull requests: a writer endorses the newest review an agent
 * posted there. Its body and line comments become a refine, exactly as if the writer had
 * requested those changes in a review of their own; the writer is the one asked to review again.
 * An agent's review alone never starts anything.
 */
import { and, desc, eq } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { agentReviews, pullRequests } from "../../db/schema.js";
import { nothingToEndorse } from "../agent-review.js";
import type { ReviewLineComment } from "../refine-review.js";
import type { ProjectRow } from "./project-repo.js";
import { requestRefineIn } from "./request-refine.js";

export async function endorseAgentReview(tx: Tx, project: ProjectRow, number: number, by: string): Promise<string> {
  const [pr] = await tx
    .select()
    .from(pullRequests)
    .where(and(eq(pullRequests.projectId, project.id), eq(pullRequests.number, number)));
  if (!pr) return "`/cw refine` acts on an agent's review of one of Codewalkers' pull requests; this is not one of them.";
  const [review] = await tx.select().from(agentReviews).where(eq(agentReviews.pullRequestId, pr.id)).orderBy(desc(agentReviews.createdAt)).limit(1);
  if (!review) return nothingToEndorse("none");
  if (review.endorsedBy) return nothingToEndorse("endorsed", review.endorsedBy);
  const comments: ReviewLineComment[] = review.comments
    .filter((c): c is typeof c & { id: number } => typeof c.id === "number")
    .map((c) => ({
      id: c.id,
      inReplyTo: null,
      path: c.path,
      line: c.line,
      startLine: c.startLine ?? null,
      side: c.side ?? null,
      diffHunk: c.diffHunk ?? "",
      body: c.body,
    }));
  const outcome = await requestRefineIn(tx, project, {
    number,
    review: {
      reviewId: review.reviewId,
      reviewer: by,
      body: `@${by} endorsed the review of agent \`${review.agentName ?? "reviewer"}\`:\n\n${review.body}`,
      htmlUrl: review.htmlUrl,
      commitId: review.commitId,
      comments,
    },
  });
  if (outcome === "closed") return "This pull request is closed: there is nothing left to refine.";
  if (outcome === "not-ours") return nothingToEndorse("none");
  await tx.update(agentReviews).set({ endorsedBy: by }).where(eq(agentReviews.id, review.id));
  if (outcome === "duplicate") return nothingToEndorse("endorsed", by);
  const n = comments.length;
  return `Endorsed: a refine agent will make the changes the agent's review asks for${n ? ` (${n} line comment${n === 1 ? "" : "s"})` : ""}${outcome === "joined" ? ", together with the changes already requested" : ""}.`;
}
