/**
 * Agent reviews (`agent_review: true`): before people are asked to review a phase's pull
 * request, a review agent reads its diff and posts a real review with line comments — always as
 * a COMMENT: an agent never approves (nor requests changes, which would start a refine by
 * itself). A writer who agrees says `/cw refine` on the pull request, and the review's comments
 * go to a refine agent as a person's "request changes" would. Pure: the texts.
 */

/** The marker hidden in a review's body, so a retried post finds the review that landed. */
export function agentReviewMarker(taskId: string): string {
  return `agent-review:${taskId}`;
}

/** The review's body: the agent's words, what it asked for when that was not a comment, and how to act on it. */
export function agentReviewBody(agentName: string | null, body: string, summary: string, askedFor: string | null, comments: number): string {
  const who = agentName ? `agent \`${agentName}\`` : "a review agent";
  const lines = [`🔎 **Review by ${who}** (Codewalkers)`, ""];
  lines.push(body.trim() || summary.trim() || "(no remarks)");
  if (askedFor) {
    lines.push(
      "",
      `ℹ️ The agent asked to submit this review as \`${askedFor}\`; it is posted as a comment, because an agent never approves or blocks a pull request: people decide.`,
    );
  }
  lines.push(
    "",
    comments > 0
      ? `A writer who agrees with these ${comments} line comment${comments === 1 ? "" : "s"} can say \`/cw refine\` on this pull request: a refine agent then makes the changes.`
      : "A writer who agrees can say `/cw refine` on this pull request: a refine agent then acts on it.",
  );
  return lines.join("\n");
}

export function reviewTitle(number: number): string {
  return `Agent review of #${number}`;
}

/** The review task's text (task.md's body). */
export function reviewInput(pr: { number: number; head: string; base: string }): string {
  return [
    `# Review pull request #${pr.number}`,
    "",
    `The pull request merges \`${pr.head}\` into \`${pr.base}\`. Your worktree is its head; .cw/input/pull-request.diff is what it changes.`,
    "Read it as a careful colleague would: correctness, missing cases, tests, clarity. Comment on the lines that need it.",
  ].join("\n");
}

export function reviewQueuedBody(head: string): string {
  return [reviewHeader(), "", `⏳ A review agent will review \`${head}\` before people are asked to.`].join("\n");
}

/** The review task's comment on the pull request, at each step. */
export function reviewHeader(): string {
  return "🔎 **Agent review**";
}

export function reviewStartedBody(agentName: string, startedAt: Date, head: string): string {
  return [
    reviewHeader(),
    "",
    `🤖 Agent \`${agentName}\` is reviewing \`${head}\` before people are asked.`,
    "",
    `- **Started:** ${startedAt.toISOString()}`,
  ].join("\n");
}

export function reviewOutcomeBody(outcome: string): string {
  return [reviewHeader(), "", outcome].join("\n");
}

/** What `/cw refine` answers on a pull request with no agent review to endorse, or one endorsed already. */
export function nothingToEndorse(reason: "none" | "endorsed", by?: string | null): string {
  return reason === "none"
    ? "There is no agent review on this pull request to act on. Request changes in a review of your own to have an agent make them."
    : `The agent's review was endorsed already${by ? ` by @${by}` : ""}: its refine is queued or done.`;
}
