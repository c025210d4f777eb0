/**
 * When a finished task's branch conflicts with the branch it merges into, a merge agent
 * resolves the conflict, inside the same run (the task stays in progress, under the same lease
 * and fence):
 *   1. the workspace leaves the merge in progress in a worktree of its own (target checked out,
 *      `git merge --no-ff --no-commit` of the task branch, markers in place);
 *   2. a second `agents` row, mode `merge`, is recorded and the issue told; the agent gets the
 *      task's input files plus `.cw/input/merge.md`, and runs like any agent (same adapter,
 *      account rotation, log sink, timeouts, heartbeat: `/cw stop` kills it);
 *   3. the workspace checks the result (merge still in progress, no markers in the conflicted
 *      files), commits it with both parents and pushes it fast-forward. If the target moved
 *      meanwhile and the resolution no longer applies, the merge starts over on the new tip
 *      with a new agent, at most `MAX_ROUNDS` times.
 * Anything short of a pushed merge ends the run: failed, naming the files and what the merge
 * agent said; stopped; or requeued when the agent's account hit its usage limit.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { RunEnd } from "../core/commands/finish-run.js";
import type { AgentRunResult } from "./agents/types.js";
import { writeContextFiles, writeMergeFile } from "./context-files.js";
import { finishMergeAgent, recordAgentPid, startMergeAgent } from "./merge-agent-record.js";
import { agentPrompt } from "./prompt.js";
import type { AgentRow, RunContext } from "./run-context.js";
import {
  codeList,
  describeFailure,
  describeUnresolvedConflict,
  describeUnresolvedUpdate,
  type ConflictFacts,
  type ConflictResolution,
} from "./run-comments.js";
import type { RunDeps } from "./run-task.js";
import { runOneAgent, type OneAgentEnd } from "./run-one-agent.js";
import type { StartedRun } from "./start-run.js";
import type { ConflictMergeStart, GitAuthor, RepoRef } from "./workspace/types.js";

/** Merge agents one run may start before it gives up on a target branch that keeps moving. */
export const MAX_ROUNDS = 3;

export interface ConflictRun {
  ctx: RunContext;
  started: StartedRun;
  /** The runner's own stop (shutdown); `/cw stop` reaches the agent through the lease. */
  signal: AbortSignal;
  source: string;
  target: string;
  /** The files the first merge attempt found conflicting. */
  files: string[];
  /** What the task's agent said it did. */
  taskSummary: string;
  author: GitAuthor;
  token: string | undefined;
  redact: (text: string) => string;
  /**
   * A branch update (`update-branch.ts`): the base is merged into a pull request's head, not a
   * task's work into its phase. Its claim's own agent is the first merge agent, and the merge
   * commit says what it merges.
   */
  update?: { agent: AgentRow; message: string };
}

/** Merged (`resolution` null when, after all, no agent had to resolve anything), or the run's end. */
export type Landing = { status: "resolved"; sha: string; resolution: ConflictResolution | null } | { status: "ended"; end: RunEnd };

type InProgress = Extract<ConflictMergeStart, { status: "in-progress" }>;
type AgentOutcome = { kind: "done"; agent: AgentRow; result: AgentRunResult } | { kind: "ended"; landing: Landing };

export async function resolveConflicts(deps: RunDeps, run: ConflictRun): Promise<Landing> {
  const { workspace, settings } = deps;
  const repo: RepoRef = { owner: run.ctx.project.owner ?? "", name: run.ctx.project.repo ?? "", cloneUrl: run.ctx.project.url };
  const auth = run.token ? { token: run.token } : {};
  const tree = path.join(settings.workDir, "worktrees", `${run.ctx.task.id}-merge`);
  const resolution: ConflictResolution = { files: [...run.files], agentNames: [], summary: "" };
  let facts: ConflictFacts = { source: run.source, target: run.target, files: run.files };
  try {
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      if (round > 1) await workspace.removeWorktree(tree);
      const merge = await workspace.startConflictMerge({ repo, source: run.source, target: run.target, path: tree, author: run.author, ...auth });
      if (merge.status === "up-to-date") return landed(merge.sha, resolution);
      facts = { ...facts, files: merge.files };
      for (const file of merge.files) if (!resolution.files.includes(file)) resolution.files.push(file);

      // The target may have moved so that the merge is clean now: nothing for an agent to do.
      const ran: AgentOutcome | null = merge.files.length > 0 ? await runMergeAgent(deps, run, merge, facts, round) : null;
      if (ran?.kind === "ended") return ran.landing;
      const agent = ran?.agent;
      try {
        const finished = await workspace.finishConflictMerge({
          repo,
          path: merge.path,
          target: run.target,
          targetSha: merge.targetSha,
          sourceSha: merge.sourceSha,
          files: merge.files,
          message: run.update?.message ?? `Merge ${run.source}: ${run.ctx.task.name}\n\nRefs #${run.ctx.task.issueNumber}`,
          author: run.author,
          ...auth,
        });
        const said = run.redact(ran?.result.summary ?? "merged cleanly");
        switch (finished.status) {
          case "merged":
          case "up-to-date":
          case "moved":
            if (agent) {
              await finishMergeAgent(deps.database.db, agent.id, agentEnd("idle", said, ran.result));
              resolution.agentNames.push(agent.name);
              resolution.summary = said;
            }
            if (finished.status !== "moved") return landed(finished.sha, resolution);
            deps.log.info({ target: run.target, round }, "the target moved over the resolved lines while the merge agent worked: merging again");
            break;
          case "unresolved":
          case "abandoned": {
            const why =
              finished.status === "unresolved"
                ? `left conflict markers in ${codeList(finished.files)}`
                : `did not leave the merge to commit: ${finished.reason}`;
            if (agent) await finishMergeAgent(deps.database.db, agent.id, agentEnd("crashed", `the merge agent ${why}`, ran.result));
            const who = agent ? `The merge agent \`${agent.name}\`` : "The merge";
            return failed(run, facts, `${who} ${why} (it said: ${said}).`, ran?.result.logTail ?? "");
          }
        }
      } catch (error) {
        if (agent) await finishMergeAgent(deps.database.db, agent.id, agentEnd("crashed", errorText(run, error), ran.result));
        throw error;
      }
    }
    return failed(run, facts, `\`${run.target}\` kept moving: ${MAX_ROUNDS} merge agents resolved it and each time it had changed again.`, "");
  } finally {
    await workspace.removeWorktree(tree).catch((error: unknown) => deps.log.warn({ err: error }, "could not remove the merge worktree"));
  }
}

/** One merge agent on the merge in progress: recorded, given its input, run to its end. */
async function runMergeAgent(deps: RunDeps, run: ConflictRun, merge: InProgress, facts: ConflictFacts, round: number): Promise<AgentOutcome> {
  const { database } = deps;
  const db = database.db;
  const agent =
    run.update && round === 1
      ? run.update.agent
      : await startMergeAgent(db, { fence: run.started.fence, worker: run.started.agent, worktreeId: path.basename(merge.path), conflict: facts });
  if (!agent) {
    return ended({ kind: "stopped", comment: `⏹️ The task was stopped before its merge agent started. Its work is on \`${run.source}\`, not merged.` });
  }
  let ran: OneAgentEnd;
  try {
    const inputDir = path.join(merge.path, ".cw", "input");
    const outputDir = path.join(merge.path, ".cw", "output");
    ran = await runOneAgent(deps, {
      agent,
      mode: "merge",
      taskId: run.ctx.task.id,
      attempt: run.started.task.attempt ?? 1,
      fence: run.started.fence,
      worktree: merge.path,
      inputDir,
      outputDir,
      prompt: agentPrompt("merge", null),
      prepare: async () => {
        await mkdir(outputDir, { recursive: true });
        // The task's own input, without answers meant for its agent; then what the merge is about.
        const { answers: _answers, ...taskContext } = run.ctx.taskContext;
        await writeContextFiles(inputDir, taskContext);
        await writeMergeFile(inputDir, {
          sourceBranch: run.source,
          sourceSha: merge.sourceSha,
          targetBranch: run.target,
          targetSha: merge.targetSha,
          conflictedFiles: merge.files,
          taskSummary: run.taskSummary,
        });
      },
      redact: run.redact,
      onSpawn: (pid) => void recordAgentPid(db, agent.id, pid).catch((error: unknown) => deps.log.warn({ err: error }, "could not record the agent's pid")),
      signal: run.signal,
    });
  } catch (error) {
    await finishMergeAgent(db, agent.id, agentEnd("crashed", errorText(run, error), undefined));
    throw error;
  }
  if (ran.kind === "exhausted") {
    await finishMergeAgent(db, agent.id, agentEnd("stopped", "every account is at its usage limit", undefined));
    return ended(ran.end);
  }
  const result = ran.result;
  if (result.outcome === "done") return { kind: "done", agent, result };

  const said = run.redact(result.message ?? result.outcome);
  await finishMergeAgent(db, agent.id, agentEnd(result.outcome === "stopped" ? "stopped" : "crashed", said, result));
  switch (result.outcome) {
    case "stopped":
      return ended({
        kind: "stopped",
        comment: run.update
          ? `⏹️ Merge agent \`${agent.name}\` was stopped: nothing was pushed to \`${run.target}\`.`
          : `⏹️ Merge agent \`${agent.name}\` was stopped. The task's work is on \`${run.source}\`, not merged into \`${run.target}\`.`,
      });
    case "usage_limited":
      // The next run finds the task's work pushed, merges it again, and meets the same conflict.
      return ended({
        kind: "requeue",
        reason: "the merge agent's account reached its usage limit",
        runAfter: ran.hasAccount ? null : (result.limitResetAt ?? new Date(Date.now() + 15 * 60_000)),
      });
    case "questions": {
      const asked = (result.questions ?? []).map((q) => run.redact(q.question)).join(" / ");
      return { kind: "ended", landing: failed(run, facts, `The merge agent \`${agent.name}\` asked instead of resolving them: ${asked}`, result.logTail) };
    }
    default:
      return {
        kind: "ended",
        landing: failed(run, facts, `The merge agent \`${agent.name}\` could not resolve them (${result.outcome}): ${said}`, result.logTail),
      };
  }
}

function landed(sha: string, resolution: ConflictResolution): Landing {
  return { status: "resolved", sha, resolution: resolution.agentNames.length > 0 ? resolution : null };
}

function ended(end: RunEnd): AgentOutcome {
  return { kind: "ended", landing: { status: "ended", end } };
}

/** The task fails, as it did before merge agents: the files, and what the merge agent did. */
function failed(run: ConflictRun, facts: ConflictFacts, why: string, logTail: string): Landing {
  return {
    status: "ended",
    end: {
      kind: "failed",
      error: `merging ${facts.source} into ${facts.target} conflicts in ${facts.files.join(", ")}; ${why}`,
      comment: describeFailure(run.started.agent.name, run.update ? describeUnresolvedUpdate(facts, why) : describeUnresolvedConflict(facts, why), logTail),
    },
  };
}

function agentEnd(status: "idle" | "crashed" | "stopped", text: string, result: AgentRunResult | undefined) {
  return { status, result: text, exitCode: result?.exitCode ?? null, sessionId: result?.sessionId ?? null, usage: result?.usage };
}

function errorText(run: ConflictRun, error: unknown): string {
  return run.redact(error instanceof Error ? error.message : String(error));
}
