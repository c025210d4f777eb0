/** What the issue is told at the end of a run: the bodies of the app's status comments. */
import { agentLogLine, codeBlock } from "../core/agent-text.js";
import { TASK_RETRY_HINT } from "../core/refine-review.js";
import type { AgentUsage } from "./agents/types.js";
import type { DiffStat } from "./workspace/types.js";

export interface CompletionFacts {
  agentName: string;
  summary: string;
  stat: DiffStat | null;
  branch: string;
  mergedInto: string | null;
  mergedSha: string;
  compareUrl: string | null;
  usage?: AgentUsage | undefined;
  /**
   * What the run kept: its work (committed), nothing (it changed nothing), or a report (verify,
   * review: what they write is not kept). Default: work.
   */
  kept?: "work" | "nothing" | "report";
  /** For a run that kept nothing: where its work would have gone (null: its own pull request). */
  wouldMergeInto?: string | null;
  /** A review agent asked for an event other than COMMENT (APPROVE…): it was posted as a comment. */
  reviewAskedFor?: string | null;
  /** Present when merging needed the merge agent. */
  conflicts?: ConflictResolution | null;
}

/** A merge of a task branch that conflicts. */
export interface ConflictFacts {
  source: string;
  target: string;
  files: string[];
}

/** How the merge agent(s) resolved a conflicting merge. */
export interface ConflictResolution {
  files: string[];
  agentNames: string[];
  summary: string;
}

export function describeCompletion(f: CompletionFacts): string {
  const lines = [`✅ Agent \`${f.agentName}\` finished this task.`, "", f.summary, ""];
  if (f.stat) {
    const link = f.compareUrl ? ` — [the commits](${f.compareUrl})` : "";
    lines.push(`**Changes:** ${f.stat.files} file${f.stat.files === 1 ? "" : "s"}, +${f.stat.insertions} −${f.stat.deletions}${link}`);
    // File names are the agent's choice: inert, in a fence they cannot close.
    lines.push("", codeBlock(f.stat.text.trim().split("\n").map(agentLogLine).join("\n")));
  } else if (f.kept === "report") {
    lines.push("**Changes:** none kept: this agent reports on the work, it does not change it.");
  } else if (f.kept === "nothing") {
    const why = f.wouldMergeInto ? ` Nothing to merge into \`${f.wouldMergeInto}\`.` : " Nothing to review, so no pull request is opened.";
    lines.push(`**Changes:** none.${why}`);
  } else {
    lines.push("**Changes:** none.");
  }
  if (f.reviewAskedFor) {
    lines.push(
      "",
      `ℹ️ The agent asked to submit its review as \`${f.reviewAskedFor}\`: it was posted as a comment instead, because an agent never approves or blocks a pull request.`,
    );
  }
  if (f.conflicts) {
    const by = f.conflicts.agentNames.map((name) => `\`${name}\``).join(", then ");
    lines.push("", `🔀 Conflicts in ${codeList(f.conflicts.files)} were resolved by the merge agent ${by}: ${oneLine(f.conflicts.summary)}`);
  }
  // A run that kept nothing pushed no branch: there is none to name.
  if (f.stat || f.mergedInto)
    lines.push("", `**Branch:** \`${f.branch}\`${f.mergedInto ? `, merged into \`${f.mergedInto}\` (${f.mergedSha.slice(0, 7)})` : ""}`);
  const usage = describeUsage(f.usage);
  if (usage) lines.push(`**Usage:** ${usage}`);
  return lines.join("\n");
}

export function describeMergeAgentAtWork(workerName: string, mergeAgentName: string, c: ConflictFacts): string {
  return [
    `🔀 Agent \`${workerName}\` finished this task, but merging \`${c.source}\` into \`${c.target}\` conflicts in ${codeList(c.files)}.`,
    "",
    `Agent \`${mergeAgentName}\` is resolving the conflicts.`,
    "",
    "`/cw stop` stops it.",
  ].join("\n");
}

/** The one-line reason a conflicting merge failed the task, for `describeFailure`; `why` says what the merge agent did. */
export function describeUnresolvedConflict(c: ConflictFacts, why: string): string {
  return `Its work is on \`${c.source}\`, but merging it into \`${c.target}\` conflicts in ${codeList(c.files)}. ${oneLine(why)} Resolve the conflict on the branch, then \`/cw retry\`.`;
}

/** A branch update that did not land: the pull request keeps its head. */
export function describeUnresolvedUpdate(c: ConflictFacts, why: string): string {
  return `Merging \`${c.source}\` into \`${c.target}\` conflicts in ${codeList(c.files)}. ${oneLine(why)} You can also merge \`${c.source}\` into the branch by hand.`;
}

export function codeList(items: readonly string[]): string {
  return items.map((item) => `\`${item}\``).join(", ");
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}

export function describeUsage(usage: AgentUsage | undefined): string | null {
  if (!usage) return null;
  const parts: string[] = [];
  if (usage.inputTokens !== undefined) parts.push(`${usage.inputTokens.toLocaleString("en-US")} input tokens`);
  if (usage.outputTokens !== undefined) parts.push(`${usage.outputTokens.toLocaleString("en-US")} output tokens`);
  if (usage.costUsd !== undefined) parts.push(`$${usage.costUsd.toFixed(4)}`);
  return parts.length ? parts.join(", ") : null;
}

export function describeQuestions(agentName: string, questions: { id: string; question: string }[]): string {
  return [
    `❓ Agent \`${agentName}\` has ${questions.length === 1 ? "a question" : "questions"}:`,
    "",
    ...questions.map((q, i) => `${i + 1}. ${q.question}`),
    "",
    "Reply in a comment (anyone with write access): the agent resumes with your answer.",
  ].join("\n");
}

export function describeRetry(error: string, retry: number, maxRetries: number, waitMs: number): string {
  return `⚠️ The agent's run ended badly: ${firstLine(error)}\n\nIts work so far is kept on the branch. Retrying in ${Math.round(waitMs / 1000)} s (retry ${retry} of ${maxRetries}).`;
}

export function describeFailure(agentName: string | null, error: string, logTail: string): string {
  const who = agentName ? `Agent \`${agentName}\`` : "The agent";
  const tail = logTail.trim().split("\n").slice(-20).join("\n");
  return [
    `❌ ${who} could not finish this task: ${firstLine(error)}`,
    ...(tail ? ["", "<details><summary>The last lines of its log</summary>", "", codeBlock(tail), "</details>"] : []),
    "",
    TASK_RETRY_HINT,
  ].join("\n");
}

/**
 * A push the remote refused for good: what it said (its lines, inert, in a fence they cannot
 * close), and what a person can do. Not cut: the advice is the point of the comment.
 */
export function describePushRefusal(said: readonly string[], advice: string): string {
  return [
    "❌ The remote refused the push of this task's work for good, so the agent is not run again. It said:",
    "",
    codeBlock(said.map(agentLogLine).join("\n")),
    "",
    `**What to do:** ${agentLogLine(advice)}`,
    "",
    TASK_RETRY_HINT,
  ].join("\n");
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.slice(0, 500);
}
