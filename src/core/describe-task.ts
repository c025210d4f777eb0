/** The `/cw status` answer: where a task stands, what holds it, who works on it. */
import type { PersonWait } from "./checkpoints.js";
import { statusLabelFor } from "./plan-task-statuses.js";
import type { TaskStatus } from "./statuses.js";
import { describeUsageTotals, type UsageTotals } from "./usage-totals.js";

export interface TaskStatusView {
  issueNumber: number;
  status: TaskStatus;
  blockedReason: string | null;
  /** What a person is asked for, if anything. */
  wait: PersonWait | null;
  inReview: boolean;
  agent: { name: string; status: string; startedAt: Date | null } | null;
  branch: string | null;
  lastError: string | null;
  retryCount: number;
  /** Tokens and cost of all its runs. */
  usage?: UsageTotals | null;
}

const WORDS: Record<TaskStatus, string> = {
  pending_approval: "waits for a writer's `/cw approve`",
  pending: "is ready; an agent will pick it up when a slot is free",
  in_progress: "is being worked on",
  completed: "is done",
  blocked: "is blocked",
  failed: "failed; `/cw retry` starts it again",
  cancelled: "is stopped; `/cw run` starts it again",
};

const WAITING_FOR: Record<PersonWait, string> = {
  answers: "an answer to the agent's questions (reply in a comment).",
  approval: "a writer to verify the agent's work and reply `/cw approve` (or `/cw retry` to run it again).",
  decision: "a writer's decision (reply in a comment).",
  action: "a person to do what this issue asks, then close it.",
};

export function describeTask(view: TaskStatusView): string {
  const label = statusLabelFor({ ...view, awaitingInput: view.wait !== null });
  const words = view.wait ? "waits for a person" : WORDS[view.status];
  const lines = [`**Status:** ${label ? `\`${label}\`` : "not scheduled"} — this task ${words}.`];
  if (view.wait) lines.push(`**Waiting for:** ${WAITING_FOR[view.wait]}`);
  if (view.blockedReason) lines.push(`**Held by:** ${view.blockedReason}`);
  if (view.agent) {
    const since = view.agent.startedAt ? ` since ${view.agent.startedAt.toISOString()}` : "";
    lines.push(`**Agent:** \`${view.agent.name}\` (${view.agent.status}${since})`);
  } else {
    lines.push("**Agent:** none");
  }
  if (view.branch) lines.push(`**Branch:** \`${view.branch}\``);
  if (view.lastError) lines.push(`**Last error:** ${view.lastError.split("\n")[0]}`);
  if (view.retryCount > 0) lines.push(`**Retries so far:** ${view.retryCount}`);
  const usage = describeUsageTotals(view.usage);
  if (usage) lines.push(`**Usage:** ${usage}`);
  return lines.join("\n");
}
