/**
 * A refine: the changes a writer asked for in a review of one of the app's pull requests, made by
 * an agent on that pull request's head. Pure: what the agent is given (the body of its task.md),
 * the task's title, and what the pull request is told at each step of the refine.
 */

/** One line comment of a review, as GitHub listed it (its body sanitized). */
export interface ReviewLineComment {
  id: number;
  /** The thread's first comment when this one answers in a thread: replies go there. */
  inReplyTo: number | null;
  path: string;
  /** The commented line (the last of a range); null for a comment on the whole file. */
  line: number | null;
  startLine: number | null;
  side: "LEFT" | "RIGHT" | null;
  /** The diff around the comment, ending at the commented line. */
  diffHunk: string;
  body: string;
}

export interface RefineReview {
  reviewId: number;
  reviewer: string;
  /** The review's body, sanitized. */
  body: string;
  htmlUrl: string | null;
  commitId: string | null;
  comments: readonly ReviewLineComment[];
}

export interface RefinePullRequest {
  number: number;
  kind: "phase" | "initiative" | "task";
  head: string;
  base: string;
}

/** The one comment on the pull request that follows a refine from request to result. */
export function refineMarker(taskId: string): string {
  return `refine:${taskId}`;
}

/** The marker of the app's reply in a line comment's thread. */
export function lineReplyMarker(taskId: string, commentId: number): string {
  return `refine-reply:${taskId}:${commentId}`;
}

export function refineTitle(pr: RefinePullRequest, reviews: readonly RefineReview[]): string {
  return `Changes requested on #${pr.number} by ${reviewers(reviews)
    .map((r) => `@${r}`)
    .join(", ")}`;
}

/** Each reviewer once, in the order they asked. */
export function reviewers(reviews: readonly RefineReview[]): string[] {
  const seen = new Map<string, string>();
  for (const r of reviews) if (!seen.has(r.reviewer.toLowerCase())) seen.set(r.reviewer.toLowerCase(), r.reviewer);
  return [...seen.values()];
}

/**
 * The task's text (task.md's body): every review's body, then each of its line comments with its
 * file and line and the diff hunk it was made on.
 */
export function refineInput(pr: RefinePullRequest, reviews: readonly RefineReview[]): string {
  const lines = [
    `# Changes requested on pull request #${pr.number}`,
    "",
    `The pull request merges \`${pr.head}\` into \`${pr.base}\`. Your worktree starts from the head of \`${pr.head}\`; ` +
      "make the changes the review" +
      (reviews.length === 1 ? "" : "s") +
      " below ask for. Your work is merged into that branch when you are done.",
  ];
  for (const review of reviews) {
    lines.push("", `## Review by @${review.reviewer}${review.commitId ? ` (on commit ${review.commitId.slice(0, 7)})` : ""}`, "");
    lines.push(review.body.trim() || "(no summary: see the line comments)");
    if (review.comments.length === 0) continue;
    lines.push("", "### Line comments");
    for (const c of review.comments) {
      lines.push("", `#### \`${location(c)}\``, "");
      if (c.diffHunk.trim()) {
        const fence = fenceFor(c.diffHunk);
        lines.push(`${fence}diff`, c.diffHunk.replace(/\s+$/, ""), fence, "");
      }
      lines.push(c.body.trim() || "(empty comment)");
    }
  }
  return lines.join("\n");
}

/** `path:line`, `path:start-end`, or `path` for a comment on the whole file; `(old)` on the left side. */
export function location(c: Pick<ReviewLineComment, "path" | "line" | "startLine" | "side">): string {
  const range = c.line === null ? "" : c.startLine !== null && c.startLine !== c.line ? `:${c.startLine}-${c.line}` : `:${c.line}`;
  return `${c.path}${range}${c.side === "LEFT" ? " (old)" : ""}`;
}

/** A code fence longer than any run of backticks in the text. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return "`".repeat(Math.max(3, longest + 1));
}

/** The first line of every refine comment: who asked, with links to their reviews. */
export function refineHeader(reviews: readonly RefineReview[]): string {
  const asked = reviews.map((r) => `@${r.reviewer} ([review](${r.htmlUrl ?? "#"}))`);
  return `🔧 **Changes requested** by ${asked.join(", ")}`;
}

export function refineQueuedBody(pr: RefinePullRequest, reviews: readonly RefineReview[], behindAnother: boolean): string {
  return [
    refineHeader(reviews),
    "",
    `⏳ A refine agent will make these changes on \`${pr.head}\`${behindAnother ? " once the refine in progress is done" : ""}.`,
    "Dismissing the review before it starts cancels it.",
  ].join("\n");
}

export function refineStartedBody(reviews: readonly RefineReview[], agentName: string, startedAt: Date, attempt: number, retry: number): string {
  return [
    refineHeader(reviews),
    "",
    `🤖 Agent \`${agentName}\` is making the requested changes.`,
    "",
    `- **Started:** ${startedAt.toISOString()}`,
    `- **Attempt:** ${attempt}${retry > 0 ? ` (retry ${retry})` : ""}`,
  ].join("\n");
}

/** The outcome of the run (as the runner describes it) under the header. */
export function refineOutcomeBody(reviews: readonly RefineReview[], outcome: string, completed: boolean): string {
  const after = completed
    ? `${reviewers(reviews)
        .map((r) => `@${r}`)
        .join(", ")}: the changes are pushed; your review is requested again.`
    : null;
  return [refineHeader(reviews), "", outcome.replace(TASK_RETRY_HINT, REFINE_RETRY_HINT), ...(after ? ["", after] : [])].join("\n");
}

export function refineCancelledBody(reviews: readonly RefineReview[], why: "dismissed" | "closed"): string {
  const reason =
    why === "dismissed"
      ? "⏹️ The review was dismissed before its refine started: nothing was changed."
      : "⏹️ The pull request was closed or merged: the refine was cancelled.";
  return [refineHeader(reviews), "", reason].join("\n");
}

export function lineReplyBody(agentName: string | null, head: string): string {
  return `🔧 ${agentName ? `Agent \`${agentName}\`` : "A refine agent"} made the requested changes on \`${head}\`: its summary is in the conversation.`;
}

/** The retry hint of a failed task's comment (runner/run-comments.ts), and what a refine says instead. */
export const TASK_RETRY_HINT = "`/cw retry` starts it again.";
export const REFINE_RETRY_HINT = "Nothing was pushed to the pull request; it stays in review. `/cw retry` here (or requesting changes again) tries again.";
