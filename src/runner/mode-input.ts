/**
 * Input files some modes read besides the task (DESIGN §3 lets `.cw/input/` hold more):
 * - verify, in a phase: `phase.diff`, what the phase branch adds to the initiative branch;
 * - review: `pull-request.diff`, what the pull request's head adds to its base.
 * Both are read from the mirror, as a pull request shows them (from the merge base).
 */
import type { AgentMode } from "../core/statuses.js";
import type { RunDeps } from "./run-task.js";
import type { RunContext } from "./run-context.js";
import type { RepoRef } from "./workspace/types.js";

export async function modeInput(deps: RunDeps, ctx: RunContext, mode: AgentMode, repo: RepoRef, token: string | undefined): Promise<[string, string][]> {
  const auth = token ? { token } : {};
  if (mode === "verify" && ctx.initiative?.branch && ctx.branches.mergeInto && ctx.branches.mergeInto !== ctx.initiative.branch) {
    return [["phase.diff", await deps.workspace.diffText({ repo, base: ctx.initiative.branch, head: ctx.branches.mergeInto, ...auth })]];
  }
  const pr = ctx.taskContext.refine?.pullRequest;
  if (mode === "review" && pr) {
    return [["pull-request.diff", await deps.workspace.diffText({ repo, base: pr.base, head: pr.head, ...auth })]];
  }
  return [];
}
