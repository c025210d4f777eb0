/**
 * The `/cw status` answer on one of the app's pull requests: what it merges, for which phase,
 * initiative or task, how far the work behind it is, whether the current head is approved, why
 * it has not merged, and the refine or branch update at work on it. Pure.
 */
import { APP_APPROVER } from "./plan-pull-requests.js";
export interface PullRequestStatusView {
  number: number;
  kind: "phase" | "initiative" | "task";
  head: string;
  base: string;
  /** What it carries: `phase #3 “Cart”`, `the initiative “Checkout”`, `task #12`. */
  subject: string;
  state: "open" | "closed";
  draft: boolean;
  merged: boolean;
  headSha: string | null;
  approvedSha: string | null;
  approvedBy: string | null;
  mergeBlockedReason: string | null;
  /** Tasks done of all (not cancelled), for a phase or an initiative. */
  tasks: { done: number; total: number } | null;
  /** The refine or branch update that waits or works on its head, oldest first. */
  work: { kind: "refine" | "update"; status: "pending" | "in_progress"; agent: string | null }[];
}

export function describePullRequest(v: PullRequestStatusView): string {
  const state = v.merged
    ? "merged"
    : v.state === "closed"
      ? "closed without merging"
      : v.draft
        ? "open, a draft (its work is not done)"
        : "open, ready for review";
  const lines = [`**Pull request #${v.number}** (${v.subject}) merges \`${v.head}\` into \`${v.base}\`: ${state}.`, ""];
  if (v.tasks) lines.push(`- **Tasks:** ${v.tasks.done} of ${v.tasks.total} done`);
  if (!v.merged && v.state === "open") {
    lines.push(`- **Approval:** ${approval(v)}`);
    if (v.mergeBlockedReason) lines.push(`- **Not merged because:** ${v.mergeBlockedReason.split("\n")[0]}`);
    for (const w of v.work) {
      const what = w.kind === "update" ? "a branch update (the base merged in)" : "a refine (changes requested)";
      lines.push(`- **At work on it:** ${what}, ${w.agent ? `agent \`${w.agent}\` at work` : "⏳ queued"}; nothing merges meanwhile`);
    }
  }
  return lines.join("\n");
}

function approval(v: PullRequestStatusView): string {
  if (!v.approvedSha) return "none yet: an approving review of the current head by a writer merges it";
  const by = v.approvedBy === APP_APPROVER ? "asked by the app itself (no review needed)" : `by @${v.approvedBy}`;
  if (v.approvedSha === v.headSha) return `the current head (\`${v.approvedSha.slice(0, 7)}\`), ${by}`;
  return `an older head (\`${v.approvedSha.slice(0, 7)}\`, ${by}); approve the current head${v.headSha ? ` (\`${v.headSha.slice(0, 7)}\`)` : ""} to merge it`;
}
