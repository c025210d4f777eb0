/**
 * The one way the runner runs an agent, for every kind of run (a task's agent, a merge agent,
 * a refine, a branch update):
 *   1. pick the account (or find every account exhausted);
 *   2. open the agent's stay on the host (`containment/agent-session.ts`): its OS user, its HOME;
 *   3. write what it is given while the runner still owns everything: the account's files in its
 *      HOME, the input files in the worktree (`prepare`);
 *   4. hand the worktree and the HOME over, and run the adapter, contained, with the lease renewed
 *      meanwhile (a stop or a lost lease kills it), its output into the agent's log;
 *   5. end the stay: every process of its user killed, the files the runner's again; only then is
 *      `result.json` read (by the adapter, through links never) and the account's files put away.
 */
import type { RunEnd } from "../core/commands/finish-run.js";
import type { AgentMode } from "../core/statuses.js";
import { markExhausted } from "./accounts/pick-account.js";
import { createAgentAdapter } from "./agents/create-agent-adapter.js";
import type { AgentRunResult } from "./agents/types.js";
import { allAccountsExhausted, allAccountsInvalid, chooseAccount } from "./choose-account.js";
import { homeKey, openAgentSession } from "./containment/agent-session.js";
import { startHeartbeat } from "./heartbeat.js";
import { LogSink } from "./log-sink.js";
import { CHECK_RUN_REFRESH_MS, LiveTail, systemClock } from "./live-tail.js";
import { tailPublisher } from "./publish-tail.js";
import type { AgentRow } from "./run-context.js";
import type { RunDeps } from "./run-task.js";
import type { Fence } from "../db/task-fence.js";
import { createRedactor } from "../lib/redact.js";

function chainRedactors(first: (text: string) => string, second: (text: string) => string): (text: string) => string {
  return (text) => second(first(text));
}

export interface OneAgent {
  agent: AgentRow;
  mode: AgentMode;
  taskId: string;
  attempt: number;
  fence: Fence;
  worktree: string;
  inputDir: string;
  outputDir: string;
  prompt: string;
  /** Resume this session when the account is the one it was made with. */
  resume?: { sessionId: string | null; accountId: string | null };
  /** Writes the input files; runs before the worktree is handed to the agent. */
  prepare(): Promise<void>;
  redact(text: string): string;
  onSpawn(pid: number): void;
  /** The runner's own stop (shutdown); `/cw stop` reaches the agent through the lease. */
  signal: AbortSignal;
}

export type OneAgentEnd =
  | { kind: "ran"; result: AgentRunResult; accountId: string | null; hasAccount: boolean; resumed: string | null }
  | { kind: "exhausted"; end: RunEnd };

export async function runOneAgent(deps: RunDeps, o: OneAgent): Promise<OneAgentEnd> {
  const { settings, database, containment } = deps;
  const account = await chooseAccount(deps, o.agent.id);
  if (account === "exhausted") return { kind: "exhausted", end: await allAccountsExhausted(deps) };
  if (account === "invalid") return { kind: "exhausted", end: allAccountsInvalid(deps) };
  const accountId = account?.accountId ?? null;
  // The account's own secrets are redacted by value, whatever their shape (a gateway's key is no `sk-…`).
  const redact = account && account.secrets.length > 0 ? chainRedactors(createRedactor(account.secrets), o.redact) : o.redact;
  // A session lives in its account's HOME: another account cannot resume it.
  const resumed = o.resume && o.resume.accountId === accountId ? o.resume.sessionId : null;
  const sink = new LogSink(database.db, o.agent, o.attempt, deps.log.child({ agent: o.agent.name }));
  // What its check run shows while it works, refreshed at most every 10 s.
  const live = new LiveTail(
    tailPublisher(database.db, o.agent.id, o.taskId, deps.log.child({ agent: o.agent.name })),
    settings.checkRunRefreshMs ?? CHECK_RUN_REFRESH_MS,
    settings.clock ?? systemClock,
  );
  const session = await openAgentSession(containment, homeKey(o.taskId, accountId));
  let materialized: { cleanup(): Promise<void> } | undefined;
  try {
    const credentials = account ? await account.materialize(session.home) : undefined;
    materialized = credentials;
    await o.prepare();
    await session.handOver([o.worktree]);
    const heartbeat = startHeartbeat(deps, o.fence, o.agent.id, settings.heartbeatMs, o.signal);
    let result: AgentRunResult;
    try {
      result = await createAgentAdapter(settings.agent).run({
        taskId: o.taskId,
        mode: o.mode,
        worktree: o.worktree,
        inputDir: o.inputDir,
        outputDir: o.outputDir,
        prompt: o.prompt,
        ...(o.resume ? { resume: { sessionId: resumed } } : {}),
        timeoutSeconds: settings.timeoutSeconds,
        idleSeconds: settings.idleSeconds,
        env: { ...(settings.agentEnv ?? {}), ...(credentials?.env ?? {}), ...session.env },
        ...(settings.passEnv?.length ? { passEnv: settings.passEnv } : {}),
        ...(settings.agentCommand ? { command: settings.agentCommand } : {}),
        redact,
        onOutput: (lines) => {
          sink.push(lines);
          live.push(lines);
        },
        onSpawn: o.onSpawn,
        signal: heartbeat.signal,
        sandbox: session.sandbox,
      });
    } finally {
      heartbeat.stop();
    }
    if (result.outcome === "usage_limited" && accountId) await markExhausted(database.db, accountId, result.limitResetAt ?? null);
    return { kind: "ran", result, accountId, hasAccount: account !== null, resumed };
  } finally {
    await live.stop();
    await sink.flush(true);
    await session.close();
    await materialized?.cleanup().catch((error: unknown) => deps.log.warn({ err: error }, "could not put the account's files away"));
  }
}
