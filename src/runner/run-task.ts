/**
 * One agent run, start to finish:
 *   1. read what the run needs (task, branches, context, session to resume);
 *   2. make sure the initiative and phase branches exist, and add the agent's worktree;
 *   3. write `.cw/input/`, pick an account, run the agent — the repository's `agent` if its
 *      config names one, else the runner's (`repo-agent.ts`) — (lease renewed meanwhile; a stop
 *      or a lost lease kills it);
 *   4. commit what it left, push, merge into the phase (or initiative) branch (a merge agent
 *      resolves a conflict: `resolve-conflicts.ts`) — except for modes that report on work
 *      (verify, review), whose result is read for its mode (`core/agent-modes.ts`);
 *   5. record the outcome in one fenced transaction, and remove the worktree.
 * A branch update (the base of one of the app's pull requests merged into its head) skips 2–4:
 * `update-branch.ts` merges, with a merge agent where it conflicts.
 * No database transaction is open during steps 2–4.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { agents, messages, phases, tasks } from "../db/schema.js";
import type { Logger } from "../logger.js";
import { finishRun, type FinishInput, type RunEnd } from "../core/commands/finish-run.js";
import { backoffMs } from "../lib/backoff.js";
import { createRedactor } from "../lib/redact.js";
import { writeContextFiles } from "./context-files.js";
import type { AgentName, AgentRunResult } from "./agents/types.js";
import type { Containment } from "./containment/containment.js";
import { runOneAgent } from "./run-one-agent.js";
import type { GitWorkspace } from "./workspace/index.js";
import type { GitAuthor, RepoRef as GitRepo } from "./workspace/types.js";
import { loadRunContext, type RunContext } from "./run-context.js";
import type { TaskContext } from "./context-files.js";
import { credentialsRefused, withNotice } from "./credentials-refused.js";
import { agentPrompt } from "./prompt.js";
import type { StartedRun } from "./start-run.js";
import { describeCompletion, describeFailure, describePushRefusal, describeQuestions, describeRetry, type ConflictResolution } from "./run-comments.js";
import { resolveConflicts } from "./resolve-conflicts.js";
import { updateBranch } from "./update-branch.js";
import { forRepository } from "./repo-agent.js";
import { workKindOf } from "../core/branch-update.js";
import { agentLogLine, agentText } from "../core/agent-text.js";
import { PushRefusedError } from "./workspace/push-refusal.js";
import { discussSummary, landsCode, readModeResult } from "../core/agent-modes.js";
import { verdictSummary } from "../core/verify.js";
import type { AgentMode } from "../core/statuses.js";
import { modeInput } from "./mode-input.js";
import { untilDatabaseAnswers } from "./until-database-answers.js";
import { FinishJournal } from "./finish-journal.js";
import type { Clock } from "./live-tail.js";
import { taskRunSeconds } from "../server/metrics.js";
import { markReconcileDue } from "../db/reconcile-due.js";
import { planModeOf, readPlan } from "./read-plan.js";
import { loadPlanningContext, writePlanningFiles } from "./planning-context.js";

export interface RunnerSettings {
  workDir: string;
  agent: AgentName;
  agentCommand: string | undefined;
  timeoutSeconds: number;
  idleSeconds: number;
  maxRetries: number;
  secretKey: Buffer | undefined;
  /** Extra environment for agents (tests point CW_CLAUDE_BIN at a fake). */
  agentEnv?: Record<string, string>;
  /** `CW_AGENT_ENV`: names of the runner's variables given to agents. */
  passEnv?: string[];
  heartbeatMs: number;
  /** How often a running agent's check run may show new log lines (default 10 s). */
  checkRunRefreshMs?: number;
  /** The clock of those refreshes (the bench runs five minutes in milliseconds). */
  clock?: Clock;
}

export interface RunDeps {
  database: Database;
  log: Logger;
  workspace: GitWorkspace;
  settings: RunnerSettings;
  /** How agents are kept from everything but their worktree (`containment/`). */
  containment: Containment;
  /** An installation token for http(s) remotes (never given to the agent). */
  tokenFor(installationId: number): Promise<string>;
  /** Known secrets to redact from agent output (tokens, keys). */
  secrets(): string[];
  onFinished(): void;
}

const AUTHOR: GitAuthor = { name: "Codewalkers", email: "codewalkers@users.noreply.github.com" };

export async function runTask(runner: RunDeps, started: StartedRun, signal: AbortSignal): Promise<void> {
  const db = runner.database.db;
  const { agent, fence } = started;
  const ctx = await loadRunContext(db, started.task);
  const deps = forRepository(runner, ctx.project);
  const { log, workspace, settings } = deps;
  if (settings.agent !== agent.provider) await db.update(agents).set({ provider: settings.agent }).where(eq(agents.id, agent.id));
  const rlog = log.child({ agent: agent.name, task: started.task.issueNumber });
  const repo: GitRepo = { owner: ctx.project.owner ?? "", name: ctx.project.repo ?? "", cloneUrl: ctx.project.url };
  const token = /^https?:\/\//.test(ctx.project.url) ? await deps.tokenFor(ctx.project.installationId ?? 0) : undefined;
  const redact = createRedactor([...(token ? [token] : []), ...deps.secrets()]);
  // One folder per task, the same on every run: claude keeps a session under its working directory.
  const worktree = path.join(settings.workDir, "worktrees", ctx.task.id);
  let result: AgentRunResult | undefined;
  let end: RunEnd;
  let resumeSession = ctx.resume?.sessionId ?? null;
  const runStarted = performance.now();

  try {
    if (ctx.taskContext.refine && workKindOf(ctx.task.category) === "update") {
      end = await updateBranch(deps, ctx, started, signal, { token, redact, author: AUTHOR });
    } else {
      // The database's part of the start goes side by side with git's (on two CPUs, every
      // millisecond between a dependency's end and its dependent's agent counts).
      const [tree, planning] = await settledBoth(
        (async () => {
          // One fetch for the run's start: the steps after the first reuse it (pushes update the
          // mirror). Never an older one: GitHub moves branches on its own (a phase pull request
          // merged into the initiative branch a moment ago must be in the next phase's branch).
          const freshAsOf = performance.now();
          for (const b of ctx.branches.ensure)
            await workspace.ensureRemoteBranch({ repo, branch: b.branch, from: b.from, freshAsOf, ...(token ? { token } : {}) });
          const [added] = await settledBoth(
            workspace.addWorktree({
              repo,
              branch: ctx.branches.taskBranch,
              base: ctx.branches.base,
              path: worktree,
              freshAsOf,
              ...(token ? { token } : {}),
            }),
            // The phase's branch is recorded once it is on the remote.
            (async () => {
              if (ctx.phase && ctx.branches.mergeInto) await db.update(phases).set({ branch: ctx.branches.mergeInto }).where(eq(phases.id, ctx.phase.id));
            })(),
          );
          return added;
        })(),
        (async () => {
          // A mode that keeps nothing it writes (verify, review) has no branch of its own.
          if (landsCode(agent.mode)) await db.update(tasks).set({ branch: ctx.branches.taskBranch }).where(eq(tasks.id, ctx.task.id));
          return loadPlanningContext(db, ctx);
        })(),
      );
      // The commit the task's check run is shown on until its work lands somewhere else.
      await Promise.all([
        db
          .update(agents)
          .set({ worktreeId: path.basename(tree.path), headSha: tree.headSha })
          .where(eq(agents.id, agent.id)),
        ctx.task.projectId ? markReconcileDue(db, ctx.task.projectId) : undefined,
      ]);
      // What the agent reads besides the task: the diff it verifies or reviews.
      const extraInput = await modeInput(deps, ctx, agent.mode, repo, token);
      const inputDir = path.join(tree.path, ".cw", "input");
      const outputDir = path.join(tree.path, ".cw", "output");
      const runAgentOnce = (taskContext: TaskContext, resume: RunContext["resume"], prompt: string) =>
        runOneAgent(deps, {
          agent,
          mode: agent.mode,
          taskId: ctx.task.id,
          attempt: started.task.attempt ?? 1,
          fence,
          worktree: tree.path,
          inputDir,
          outputDir,
          prompt,
          ...(resume ? { resume: { sessionId: resume.sessionId, accountId: resume.accountId } } : {}),
          prepare: async () => {
            await mkdir(outputDir, { recursive: true });
            await writeContextFiles(inputDir, taskContext);
            for (const [name, text] of extraInput) await writeFile(path.join(inputDir, name), text, "utf8");
            await writePlanningFiles(inputDir, tree.path, planning);
            if (ctx.answerMessageIds.length) await db.update(messages).set({ status: "read" }).where(inArray(messages.id, ctx.answerMessageIds));
          },
          redact,
          onSpawn: (pid) => void db.update(agents).set({ pid }).where(eq(agents.id, agent.id)),
          signal,
        });
      let ran = await runAgentOnce(ctx.taskContext, ctx.resume, agentPrompt(agent.mode, ctx.resume ? (ctx.answers.length > 0 ? "answers" : "continue") : null));
      let notice: string | null = null;
      // The CLI no longer knows the session (its store was lost, or another host ran it): start
      // afresh once, with the conversation so far in answers.md, and say so.
      if (ran.kind === "ran" && ran.result.failure === "session_missing" && ran.resumed && ctx.resume) {
        const lost = ran.resumed;
        rlog.warn({ session: lost }, "the agent's session could not be resumed: starting afresh with the conversation so far");
        notice = `The agent's earlier session (\`${lost}\`) could not be resumed, so it started afresh with the conversation so far in \`.cw/input/answers.md\`.`;
        const fresh: TaskContext = { ...ctx.taskContext, sessionLost: { sessionId: lost, answers: ctx.answers } };
        ran = await runAgentOnce(fresh, { ...ctx.resume, sessionId: null }, agentPrompt(agent.mode, "restart"));
      }
      if (ran.kind === "exhausted") {
        end = ran.end;
      } else {
        result = ran.result;
        resumeSession = ran.resumed;
        end = await settle(deps, ctx, tree.path, tree.headSha, result, {
          token,
          agentName: agent.name,
          mode: agent.mode,
          redact,
          hasAccount: ran.hasAccount,
          accountId: ran.accountId,
          branchPushed: tree.resumed,
          started,
          signal,
        });
        if (notice) end = withNotice(end, notice);
      }
    }
  } catch (error) {
    const message = redact(error instanceof Error ? error.message : String(error));
    rlog.error({ error: message }, "run failed outside the agent");
    // A push refused for good fails at once: another run would meet the same refusal.
    end = error instanceof PushRefusedError ? pushRefused(error, redact) : retryOrFail(ctx, settings, message, result?.logTail ?? "");
  }

  try {
    const finish: FinishInput = {
      fence,
      agentId: agent.id,
      exitCode: result?.exitCode ?? null,
      sessionId: result?.sessionId ?? resumeSession,
      logTail: result?.logTail ?? "",
      end,
      ...(result?.usage ? { usage: { usage: result.usage as Record<string, unknown>, costUsd: result.usage.costUsd ?? null } } : {}),
    };
    // Written down first: should this process die before the database records it (the database
    // away, then a kill or a reboot), the runner's next start records it (`replay-finishes.ts`)
    // instead of running the agent again.
    const journal = new FinishJournal(settings.workDir);
    let journaled = true;
    await journal.write(finish).catch((error: unknown) => {
      journaled = false;
      rlog.warn({ err: error }, "could not journal the run's finish");
    });
    // The work is pushed already; the database may be away for a while (a restart, a failover):
    // the finish is tried again until it is back, so the run's PR and summary are not lost.
    const recorded = await untilDatabaseAnswers(rlog, signal, () => finishRun(db, finish));
    if (journaled) await journal.remove(agent.id).catch((error: unknown) => rlog.warn({ err: error }, "could not remove the journaled finish"));
    taskRunSeconds.observe({ outcome: end.kind }, (performance.now() - runStarted) / 1000);
    if (!recorded) rlog.warn("the task moved on while this run finished (stopped or reclaimed): its result is kept on the agent only");
  } finally {
    // Whatever happened, the worktree goes: a leftover must never block the task's next run.
    await workspace.removeWorktree(worktree).catch((error: unknown) => rlog.warn({ err: error }, "could not remove the worktree"));
  }
  deps.onFinished();
}

/** After the agent: keep its work (commit, push), merge it when done, and say how it ended. */
async function settle(
  deps: RunDeps,
  ctx: RunContext,
  worktree: string,
  startSha: string,
  result: AgentRunResult,
  o: {
    token: string | undefined;
    agentName: string;
    mode: AgentMode;
    redact: (s: string) => string;
    hasAccount: boolean;
    accountId?: string | null;
    branchPushed: boolean;
    started: StartedRun;
    signal: AbortSignal;
  },
): Promise<RunEnd> {
  const { workspace, settings } = deps;
  const repo: GitRepo = { owner: ctx.project.owner ?? "", name: ctx.project.repo ?? "", cloneUrl: ctx.project.url };
  const auth = o.token ? { token: o.token } : {};
  const n = ctx.refNumber;
  const done = result.outcome === "done";
  const message = done ? `${ctx.task.name}\n\nRefs #${n}` : `WIP: ${ctx.task.name} (${result.outcome})\n\nRefs #${n}`;
  // Work done so far is never lost: whatever the outcome, it is committed and pushed — except
  // by modes that report on work (verify, review), whose writes are not the work.
  const lands = landsCode(o.mode);
  const commit = lands ? await workspace.commitAll({ path: worktree, message, author: AUTHOR }) : { sha: startSha };
  if (commit.sha !== startSha) {
    const pushed = await workspace.pushBranch({ repo, path: worktree, branch: ctx.branches.taskBranch, ...auth });
    if (!pushed.pushed) throw new Error(`someone else pushed to ${ctx.branches.taskBranch} meanwhile`);
  }

  switch (result.outcome) {
    case "done": {
      const said = result.summary || undefined;
      const reading = readModeResult(o.mode, result.modeFields ?? {}, (s) => agentText(o.redact(s)));
      // A result its mode cannot use fails at once: the same agent would likely write it again.
      if (reading.kind === "invalid") {
        const error = reading.message;
        return {
          kind: "failed",
          error,
          comment: describeFailure(o.agentName, `its result is not what a ${o.mode} agent must write — ${error}`, result.logTail),
        };
      }
      if (reading.kind === "verify" && reading.verdict === "fail") {
        return {
          kind: "verify-failed",
          agentName: o.agentName,
          summary: verdictSummary("fail", reading.findings, said),
          findings: reading.findings,
          headSha: startSha,
        };
      }
      // A planning agent's plan is checked before anything of its run lands.
      const mode = planModeOf(ctx);
      const planned = mode ? await readPlan(deps.database.db, ctx, mode, worktree, o.agentName) : undefined;
      if (planned && !planned.ok) return { kind: "failed", error: planned.error, comment: planned.comment };
      let mergedSha = commit.sha;
      let mergedInto: string | null = null;
      let conflicts: ConflictResolution | null = null;
      // An earlier attempt's pushed work is merged too, even when this run changed nothing more.
      if (lands && ctx.branches.mergeInto && (commit.sha !== startSha || o.branchPushed)) {
        const merge = await workspace.mergeBranch({
          repo,
          source: ctx.branches.taskBranch,
          target: ctx.branches.mergeInto,
          message: `Merge ${ctx.branches.taskBranch}: ${ctx.task.name}\n\nRefs #${n}`,
          author: AUTHOR,
          ...auth,
        });
        const landed =
          merge.status === "conflict"
            ? await resolveConflicts(deps, {
                ...o,
                ctx,
                source: ctx.branches.taskBranch,
                target: ctx.branches.mergeInto,
                files: merge.files,
                taskSummary: o.redact(result.summary ?? ""),
                author: AUTHOR,
              })
            : merge;
        if (landed.status === "ended") return landed.end;
        mergedSha = landed.sha;
        mergedInto = ctx.branches.mergeInto;
        if (landed.status === "resolved") conflicts = landed.resolution;
      }
      const stat = commit.sha !== startSha ? await workspace.diffStat({ repo, base: startSha, head: commit.sha }) : null;
      const summary =
        reading.kind === "verify"
          ? verdictSummary("pass", reading.findings, said)
          : reading.kind === "discuss"
            ? discussSummary(reading.decisions, said) || "(no summary)"
            : o.redact(said ?? "(no summary)");
      const noChanges = commit.sha === startSha && !o.branchPushed;
      return {
        kind: "completed",
        summary,
        ...(noChanges && lands ? { noChanges: true } : {}),
        ...(reading.kind === "verify" ? { verdict: { verdict: "pass" as const, findings: reading.findings, headSha: startSha } } : {}),
        ...(reading.kind === "review"
          ? { review: { commitId: startSha, body: reading.body, summary: said ?? "", comments: reading.comments, askedFor: reading.askedFor } }
          : {}),
        comment: describeCompletion({
          agentName: o.agentName,
          summary,
          stat,
          // A refine's pull request is there already: only a task's own work would open one.
          kept: !lands ? "report" : noChanges && !ctx.taskContext.refine ? "nothing" : "work",
          wouldMergeInto: ctx.branches.mergeInto,
          reviewAskedFor: reading.kind === "review" ? reading.askedFor : null,
          branch: ctx.branches.taskBranch,
          mergedInto,
          mergedSha,
          compareUrl: compareUrl(ctx.project.url, startSha, commit.sha),
          usage: result.usage,
          conflicts,
        }),
        ...(result.usage ? { usage: result.usage as Record<string, unknown> } : {}),
        ...(result.usage?.costUsd !== undefined ? { costUsd: result.usage.costUsd } : {}),
        headSha: mergedSha,
        ...(stat ? { diffStat: `${stat.files} file${stat.files === 1 ? "" : "s"}, +${stat.insertions} −${stat.deletions}` } : {}),
        ...(planned?.ok ? { plan: planned.plan } : {}),
      };
    }
    case "questions":
      return {
        kind: "questions",
        questions: result.questions ?? [],
        comment: describeQuestions(o.agentName, result.questions ?? []),
        sessionId: result.sessionId ?? null,
      };
    case "stopped":
      return { kind: "stopped", comment: `⏹️ Agent \`${o.agentName}\` was stopped. Its work so far is on \`${ctx.branches.taskBranch}\`.` };
    case "usage_limited":
      // With accounts, the next run takes another one (or waits, if all are at their limit);
      // on the host's own login there is nothing to switch to: wait for the reset.
      return {
        kind: "requeue",
        reason: "the agent's account reached its usage limit",
        runAfter: o.hasAccount ? null : (result.limitResetAt ?? new Date(Date.now() + 15 * 60_000)),
      };
    default:
      if (result.failure === "auth") return credentialsRefused(deps, o.accountId ?? null, o.redact(result.message ?? "HTTP 401"), result.logTail);
      if (result.failure === "transient") {
        // Overloaded, unavailable, a stream cut: the provider's trouble, not the agent's; later may work.
        return retryOrFail(ctx, settings, `the provider had a passing problem — ${o.redact(result.message ?? result.outcome)}`, result.logTail);
      }
      return retryOrFail(ctx, settings, o.redact(result.message ?? result.outcome), result.logTail);
  }
}

function pushRefused(error: PushRefusedError, redact: (s: string) => string): RunEnd {
  // The remote quotes file names, which are the agent's choice: inert wherever they are shown
  // (describePushRefusal makes the comment's lines inert itself: once, so a long line is cut once).
  const said = error.said.map(redact);
  return {
    kind: "failed",
    error: `the remote refused the push: ${said.map(agentLogLine).join(" / ")}`,
    comment: describePushRefusal(said, error.advice),
  };
}

function retryOrFail(ctx: RunContext, settings: RunnerSettings, error: string, logTail: string): RunEnd {
  const retries = ctx.task.retryCount;
  if (retries < settings.maxRetries) {
    const wait = backoffMs(retries + 1, 5_000, 5 * 60_000);
    return { kind: "retry", error, runAfter: new Date(Date.now() + wait), comment: describeRetry(error, retries + 1, settings.maxRetries, wait) };
  }
  return { kind: "failed", error, comment: describeFailure(null, error, logTail) };
}

/** A link to the commits, for GitHub-hosted remotes; none for local paths. */
function compareUrl(cloneUrl: string, base: string, head: string): string | null {
  const match = /^https?:\/\/[^/]+\/[^/]+\/[^/]+?(?:\.git)?$/.exec(cloneUrl);
  return match ? `${cloneUrl.replace(/\.git$/, "")}/compare/${base.slice(0, 12)}...${head.slice(0, 12)}` : null;
}

/**
 * Both results, once both have settled: the first failure is thrown only then, so that nothing
 * of a failed start (a worktree being added) is still at work while the run ends and cleans up.
 */
async function settledBoth<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === "rejected") throw ra.reason;
  if (rb.status === "rejected") throw rb.reason;
  return [ra.value, rb.value];
}
