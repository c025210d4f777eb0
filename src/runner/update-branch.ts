/**
 * A branch update run (`core/commands/request-branch-update.ts`): the pull request's base is
 * merged into its head, on the head branch, and pushed fast-forward. No agent works before the
 * merge; where it conflicts, the claim's own agent (mode `merge`) resolves it in the worktree
 * the merge stopped in, exactly as a task's merge agent does (`resolve-conflicts.ts`: the same
 * checks, the same rounds when the head moves meanwhile). A merge that turns out clean needs no
 * agent at all.
 */
import type { RunEnd } from "../core/commands/finish-run.js";
import type { GitAuthor } from "./workspace/types.js";
import { codeList } from "./run-comments.js";
import { resolveConflicts } from "./resolve-conflicts.js";
import type { RunContext } from "./run-context.js";
import type { RunDeps } from "./run-task.js";
import type { StartedRun } from "./start-run.js";

export async function updateBranch(
  deps: RunDeps,
  ctx: RunContext,
  started: StartedRun,
  signal: AbortSignal,
  o: { token: string | undefined; redact: (text: string) => string; author: GitAuthor },
): Promise<RunEnd> {
  const pr = ctx.taskContext.refine?.pullRequest;
  if (!pr) throw new Error(`task ${ctx.task.id} updates no pull request`);
  const landing = await resolveConflicts(deps, {
    ctx,
    started,
    signal,
    source: pr.base,
    target: pr.head,
    files: [],
    taskSummary: `GitHub cannot merge pull request #${pr.number} because \`${pr.base}\` moved since \`${pr.head}\` was made from it.`,
    author: o.author,
    token: o.token,
    redact: o.redact,
    update: { agent: started.agent, message: `Merge ${pr.base} into ${pr.head}\n\nRefs #${pr.number}` },
  });
  if (landing.status === "ended") return landing.end;
  const how = landing.resolution
    ? `The conflicts in ${codeList(landing.resolution.files)} were resolved by the merge agent ${landing.resolution.agentNames.map((n) => `\`${n}\``).join(", then ")}: ${o.redact(landing.resolution.summary)}`
    : "It merged without conflicts after all.";
  const summary = `Merged ${pr.base} into ${pr.head} (${landing.sha.slice(0, 7)}).`;
  return { kind: "completed", summary, comment: `✅ Merged \`${pr.base}\` into \`${pr.head}\` (${landing.sha.slice(0, 7)}).\n\n${how}` };
}
