/**
 * Each task's own check run, "Codewalkers: #<issue> <title>", decided purely from what is
 * stored: queued while it waits, in progress while its agent works (agent, elapsed time, the
 * redacted tail of its log as the runner last published it), then success, failure or neutral
 * (a person is asked something), with the summary, the change's size, tokens and cost.
 *
 * It is shown on the commit that carries the task's work: the head of the open pull request
 * that carries it (the phase's, the initiative's, its own), else the commit its agent last
 * worked on (the phase branch's head for a phase task). A check run left behind on an earlier
 * commit while it was not completed is completed with the same output, so no commit keeps a
 * spinner for a task that moved on.
 *
 * Only what someone could read is written. A task no agent has run yet gets no check run (a
 * "queued" one would only repeat what the phase's check run and its pull request's body list,
 * and be completed again on a commit left behind). A task done while its phase's pull request
 * is a draft waits for the head people review: that head moves with every task that lands, so
 * its success would otherwise be written again on each one; a failure or a question is shown
 * at once.
 *
 * Nothing here reads a clock: elapsed time is measured to when the runner last published the
 * tail, so the same stored state always gives the same output (and the same hash: no write).
 */
import { codeBlock } from "./agent-text.js";
import type { EnsureCheckRunIntent } from "./intents.js";
import type { TaskStatus } from "./statuses.js";
import { describeUsageTotals, type UsageTotals } from "./usage-totals.js";

export const TASK_CHECK_RUN_PREFIX = "Codewalkers: #";

export interface CheckRunAgent {
  name: string;
  status: string;
  startedAt: Date | null;
  finishedAt: Date | null;
  headSha: string | null;
  logTail: string | null;
  logTailAt: Date | null;
  diffStat: string | null;
}

export interface CheckRunTask {
  issueNumber: number;
  name: string;
  status: TaskStatus;
  /** In progress and held by no runner: its agent's questions, a checkpoint's approval or decision. */
  waitsForPerson: boolean;
  summary: string | null;
  lastError: string | null;
  blockedReason: string | null;
  /** The newest agent of the task, if any ran. */
  agent: CheckRunAgent | null;
  /** The head of the open pull request that carries its work, if there is one. */
  pullRequestHead: string | null;
  /** Its phase's pull request is (or opens as) a draft: more of the phase's work is to land on it. */
  draftPhase?: boolean;
  usage: UsageTotals | null;
  /** Its check runs as last written: commit and status. */
  shown: readonly { headSha: string; status: string | null }[];
}

export type CheckRunWrite = Omit<EnsureCheckRunIntent, "kind" | "repo">;

/** GitHub shows names up to a point; a title past 80 characters is cut. */
export function taskCheckRunName(issueNumber: number, title: string): string {
  const flat = title.replace(/\s+/g, " ").trim();
  return `${TASK_CHECK_RUN_PREFIX}${issueNumber} ${flat.length > 80 ? `${flat.slice(0, 79)}…` : flat}`;
}

export function planTaskCheckRun(t: CheckRunTask): CheckRunWrite[] {
  const sha = t.pullRequestHead ?? t.agent?.headSha ?? null;
  if (!sha) return [];
  const name = taskCheckRunName(t.issueNumber, t.name);
  const look = lookOf(t);
  const write: CheckRunWrite = { headSha: sha, name, ...look };
  const unrun = !t.agent && look.status === "queued";
  const held = t.draftPhase === true && look.status === "completed" && look.conclusion === "success";
  // Left behind on an earlier commit, not finished there: finished with what it shows now
  // (where it is held, on this commit too).
  const stale = t.shown
    .filter((s) => (held || s.headSha !== sha) && s.status !== "completed")
    .map((s): CheckRunWrite => ({ ...write, headSha: s.headSha, status: "completed", conclusion: look.conclusion ?? "neutral" }));
  return unrun || held ? stale : [write, ...stale];
}

function lookOf(t: CheckRunTask): Pick<CheckRunWrite, "status" | "conclusion" | "title" | "summary" | "text"> {
  const a = t.agent;
  const running = t.status === "in_progress" && !t.waitsForPerson && a?.status === "running";
  const facts: string[] = [];
  if (a) facts.push(`**Agent:** \`${a.name}\`${elapsed(a, running)}`);
  if (t.summary && t.status !== "failed") facts.push("", t.summary);
  if (a?.diffStat && !running) facts.push("", `**Changes:** ${a.diffStat}`);
  const usage = describeUsageTotals(t.usage);
  if (usage) facts.push("", `**Usage:** ${usage}`);
  const tail = a?.logTail?.trim() ? codeBlock(a.logTail.trim()) : undefined;
  const withTail = (title: string) => ({ title, summary: facts.join("\n") || title, ...(tail ? { text: tail } : {}) });

  if (running) return { status: "in_progress", ...withTail(`Agent ${a!.name} at work`) };
  switch (t.status) {
    case "completed":
      return { status: "completed", conclusion: "success", ...withTail("Done") };
    case "failed":
      return { status: "completed", conclusion: "failure", ...withTail(`Failed: ${firstLine(t.lastError) || "see the issue"}`) };
    case "cancelled":
      return { status: "completed", conclusion: "cancelled", ...withTail("Stopped") };
    case "in_progress":
      return t.waitsForPerson
        ? { status: "completed", conclusion: "neutral", ...withTail("Needs input: see the issue") }
        : { status: "queued", ...withTail("Starting") };
    case "blocked":
      return { status: "queued", ...withTail(`Blocked${t.blockedReason ? `: ${firstLine(t.blockedReason)}` : ""}`) };
    case "pending_approval":
      return { status: "queued", ...withTail("Waiting for approval") };
    default:
      return { status: "queued", ...withTail("Queued") };
  }
}

/** " — 4 min 10 s", measured to the tail's publication while running, to the finish after. */
function elapsed(a: CheckRunAgent, running: boolean): string {
  if (!a.startedAt) return "";
  const end = running ? (a.logTailAt ?? a.startedAt) : (a.finishedAt ?? a.logTailAt);
  if (!end) return "";
  const seconds = Math.max(0, Math.round((end.getTime() - a.startedAt.getTime()) / 1000));
  const m = Math.floor(seconds / 60);
  const span = m > 0 ? `${m} min ${seconds % 60} s` : `${seconds} s`;
  return running ? ` — at work for ${span} (as of ${end.toISOString().slice(11, 19)} UTC)` : ` — ran for ${span}`;
}

function firstLine(text: string | null): string {
  return (text ?? "").split("\n")[0]!.slice(0, 200);
}
