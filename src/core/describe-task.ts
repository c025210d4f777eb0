/** The `/cw status` answer: where a task stands, what holds it, who works on it. */
import { statusLabelFor } from "./plan-task-statuses.js";
import type { TaskStatus } from "./statuses.js";

export interface TaskStatusView {
  issueNumber: number;
  status: TaskStatus;
  blockedReason: string | null;
  awaitingInput: boolean;
  inReview: boolean;
  agent: { name: string; status: string; startedAt: Date | null } | null;
  branch: string | null;
  lastError: string | null;
  retryCount: number;
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

export function describeTask(view: TaskStatusView): string {
  const label = statusLabelFor(view);
  const lines = [`**Status:** ${label ? `\`${label}\`` : "not scheduled"} — this task ${WORDS[view.status]}.`];
  if (view.awaitingInput) lines.push("**Waiting for:** an answer to the agent's questions (reply in a comment).");
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
  return lines.join("\n");
}
