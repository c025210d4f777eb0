/**
 * The checkpoint comment: one comment per checkpoint issue (under one marker), which asks the
 * person what the checkpoint needs and is edited once they have answered.
 */
import { questionOf } from "./checkpoint-questions.js";

export const CHECKPOINT_MARKER = "checkpoint";

/** Long issue text is quoted only in part: the issue itself is right above. */
const QUOTE_LIMIT = 2_000;

export interface CheckpointSubject {
  title: string;
  /** The issue text as stored (sanitized). */
  description: string | null;
}

export function askForVerification(task: CheckpointSubject, summary: string): string {
  const { question, items } = questionOf(task.title, task.description);
  return [
    "🔎 **Please verify the agent's work.** This task is a `human-verify` checkpoint: its agent has finished, and the task is done only once a person approves.",
    "",
    "**What the agent did:**",
    "",
    quote(summary),
    "",
    ...(items.length > 0 ? ["**What to check:**", "", ...items.map((i) => `- [ ] ${i}`)] : ["**What was asked:**", "", quote(question)]),
    "",
    "Its commits are on the task's branch (see the agent's comment). When the work is right, a writer replies `/cw approve`: the task completes and the tasks waiting on it start. If it is not, `/cw retry` runs the agent again.",
  ].join("\n");
}

export function askForDecision(task: CheckpointSubject): string {
  const { question, items } = questionOf(task.title, task.description);
  return [
    "🤔 **A decision is needed.** This task is a `decision` checkpoint: no agent runs, a person decides.",
    "",
    quote(question),
    "",
    ...(items.length > 0 ? ["**Options:**", "", ...items.map((o, i) => `${i + 1}. ${o}`), ""] : []),
    `A writer replies in a comment with the decision${items.length > 0 ? " (an option's number or text, or anything else)" : ""}. That reply completes this task, and the tasks after it are given it as context.`,
  ].join("\n");
}

export function askForAction(task: CheckpointSubject, assignee: string | null): string {
  const { question } = questionOf(task.title, task.description);
  return [
    `🙋 **A person is needed${assignee ? `: @${assignee}, this is assigned to you` : ""}.** This task is a \`human-action\` checkpoint: no agent runs.`,
    "",
    quote(question),
    "",
    "Close this issue once it is done: the task completes and the tasks waiting on it start. (Closing it as *not planned* cancels it instead.)",
  ].join("\n");
}

export function approvedText(by: string): string {
  return `✅ **Verified:** @${by} approved the agent's work. This task is done.`;
}

export function rerunText(by: string): string {
  return `🔁 @${by} asked for another run instead of approving: the agent works on this task again, and its work is to be verified again once it is done.`;
}

export function decidedText(by: string, decision: string): string {
  return [`✅ **Decided** by @${by}:`, "", quote(decision), "", "This task is done; the tasks after it are given the decision."].join("\n");
}

export function actionDoneText(by: string | null): string {
  return `✅ **Done:** ${by ? `@${by} closed` : "someone closed"} this issue, so this task is complete and the tasks waiting on it can start.`;
}

/** The summary a decision leaves for the tasks after it. */
export function decisionSummary(by: string, decision: string): string {
  return `Decided by @${by}: ${decision}`;
}

/** The summary a human action leaves for the tasks after it. */
export function actionSummary(by: string | null): string {
  return `Done by a person${by ? ` (@${by})` : ""}, who closed the issue.`;
}

function quote(text: string): string {
  const shown = text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text;
  return shown
    .trim()
    .split("\n")
    .map((line) => (line ? `> ${line}` : ">"))
    .join("\n");
}
