/**
 * Verify tasks (`cw:verify`): an agent checks a phase's work once the phase's other tasks are
 * done, on the phase branch, with the phase's diff in its input. A "pass" lets the phase's pull
 * request go to review; a "fail" keeps it a draft, and opens a fix task with the findings in the
 * phase; once that is done, verify runs again. Pure: when a verify task may run, and the texts.
 */
import type { VerifyFinding } from "./agent-modes.js";
import type { TaskStatus } from "./statuses.js";

/** Verify → fix rounds before the verify task fails and a person is asked to look. */
export const MAX_VERIFY_ROUNDS = 3;

export interface PhaseWork {
  id: string;
  issueNumber: number | null;
  status: TaskStatus;
  category: string;
  /** The verify task a fix task answers. */
  fixesTaskId: string | null;
}

/**
 * What holds a verify task: the other work of its phase that is not done yet (its fix tasks
 * included, wherever they are). Cancelled work holds nothing.
 */
export function verifyHolds(verify: { id: string; phaseId: string | null }, work: readonly (PhaseWork & { phaseId: string | null })[]): string[] {
  const waiting = work.filter(
    (t) =>
      t.id !== verify.id &&
      t.category !== "verify" &&
      t.status !== "completed" &&
      t.status !== "cancelled" &&
      ((verify.phaseId !== null && t.phaseId === verify.phaseId) || t.fixesTaskId === verify.id),
  );
  if (waiting.length === 0) return [];
  const names = waiting.map((t) => (t.issueNumber !== null ? `#${t.issueNumber}` : "a fix task being opened"));
  return [`waiting for the phase's other tasks: ${[...new Set(names)].join(", ")}`];
}

export function findingLine(f: VerifyFinding): string {
  const where = f.path ? `\`${f.path.replace(/`/g, "")}${f.line ? `:${f.line}` : ""}\`: ` : "";
  return `- ${where}${f.message.replace(/\s*\n\s*/g, " ")}`;
}

/** The summary a verify task keeps (shown on its issue, in the phase PR, to later tasks). */
export function verdictSummary(verdict: "pass" | "fail", findings: readonly VerifyFinding[], said: string | undefined): string {
  const head = verdict === "pass" ? "✅ Verification passed" : "❌ Verification failed";
  const lines = [`${head}${findings.length ? ` (${findings.length} finding${findings.length === 1 ? "" : "s"})` : ""}.`];
  if (findings.length) lines.push("", ...findings.map(findingLine));
  if (said?.trim()) lines.push("", said.trim());
  return lines.join("\n");
}

/** The fix task a failed verification opens: title and issue body. */
export function fixTaskText(
  verify: { issueNumber: number | null; name: string },
  findings: readonly VerifyFinding[],
  round: number,
): { title: string; body: string } {
  const ref = verify.issueNumber !== null ? `#${verify.issueNumber}` : verify.name;
  const body = [
    `The verification ${ref} failed. Fix what it found, on the phase branch:`,
    "",
    ...findings.map(findingLine),
    "",
    `When this task is done, ${ref} verifies the phase again.`,
  ].join("\n");
  return {
    title: `Fix the findings of ${verify.name}${round > 1 ? ` (round ${round})` : ""}`.slice(0, 250),
    // GitHub refuses an issue body over 65,536 characters (the marker goes in front of it).
    body: body.length > MAX_ISSUE_BODY ? `${body.slice(0, MAX_ISSUE_BODY)}\n\n… (cut)` : body,
  };
}

const MAX_ISSUE_BODY = 60_000;

/** What the verify task's issue is told when its verification failed. */
export function verifyFailedComment(agentName: string, summary: string, fix: "opening" | "rounds-exhausted" | "no-phase"): string {
  const next =
    fix === "opening"
      ? "A fix task with these findings is being opened in the phase; once it is done, this verification runs again. The phase's pull request stays a draft meanwhile."
      : fix === "rounds-exhausted"
        ? `The phase was verified ${MAX_VERIFY_ROUNDS} times and fixed in between, and it still fails: a person should look. Fix the phase branch, then \`/cw retry\` here.`
        : "This task is in no phase, so there is no phase to fix: fix the findings, then `/cw retry`.";
  return [`🔎 Agent \`${agentName}\` verified the work.`, "", summary, "", next].join("\n");
}

/** The verify task of a phase as the pull-request planner sees it. */
export interface PhaseVerification {
  verdict: "pass" | "fail" | null;
  /** The commit the verdict is about. */
  headSha: string | null;
  findings: readonly VerifyFinding[];
  issueNumber: number | null;
  /** The open fix task, when one works on the findings. */
  fixIssueNumber: number | null;
}
