/** The instructions every agent gets; the task itself is in the input files (DESIGN.md §3). */
import type { AgentMode } from "../core/statuses.js";

const MODE_GOALS: Record<AgentMode, string> = {
  execute: "Implement the task in this repository.",
  research: "Research the question in the task; change code only if the task asks for it.",
  discuss: "Discuss the task: gather context and open questions; do not change code.",
  plan: "Plan the initiative into phases.",
  detail: "Detail the phase into tasks.",
  refine: "Refine the work as the review asks.",
  verify: "Verify that the work described in the task is done and correct; fix what is not.",
  merge: "Resolve the merge conflicts in this worktree so that both sides' intent is kept.",
};

export type ResumeKind = "answers" | "continue" | "restart" | null;

const READ_INPUT = [
  "Read .cw/input/task.md first, then .cw/input/initiative.md, .cw/input/phase.md and .cw/input/context/ when present:",
  "they describe the task, the larger goal and what the tasks before you did.",
].join("\n");

/** What a merge agent must know beyond its goal: where the conflicts are, and what the runner checks. */
const MERGE_RULES = [
  "Read .cw/input/merge.md first: it names the conflicted files, the two branches and what the task did.",
  "Then read .cw/input/task.md (the task whose branch is being merged) and, when present, .cw/input/phase.md and .cw/input/context/.",
  "A merge is in progress in this worktree (git merge --no-commit). In every conflicted file, keep what both sides meant to do,",
  "and remove every conflict marker line (<<<<<<<, |||||||, =======, >>>>>>>). Do not abort, reset or restart the merge, and do not switch branches.",
  "The runner checks that no conflict marker is left in those files, then commits the merge and pushes it.",
].join("\n");

export function agentPrompt(mode: AgentMode, resume: ResumeKind): string {
  return [
    `You are a Codewalkers agent working in a git worktree. ${MODE_GOALS[mode]}`,
    mode === "merge" ? MERGE_RULES : READ_INPUT,
    resume === "answers" ? "You are resuming: .cw/input/answers.md holds the answers to your questions." : "",
    resume === "continue" ? "You are resuming after an interruption: your earlier work is in this worktree; carry on from it." : "",
    resume === "restart"
      ? "Your earlier session could not be resumed: .cw/input/answers.md holds the conversation so far, and your earlier work is in this worktree; carry on from them."
      : "",
    "Work only inside this directory. Do not commit .cw/. You may commit your work or leave it uncommitted: the runner commits what is left.",
    "When you finish, write .cw/output/result.json:",
    '{"status":"done","summary":"<what you did, for the people and for the tasks after you>"}',
    'If you cannot go on without a person\'s answer: {"status":"questions","questions":[{"id":"q1","question":"…"}]}',
    'If the task cannot be done: {"status":"error","message":"<why>"}',
  ]
    .filter(Boolean)
    .join("\n");
}
