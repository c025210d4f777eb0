/**
 * The claim, as one short transaction: the most urgent ready task becomes in progress under
 * this runner's lease, an agent with a readable alias is recorded for it, and the issue (or, for
 * a refine, the pull request) is told: status label, and the status comment the app keeps up
 * to date.
 */
import type { Db, Tx } from "../db/client.js";
import { agents } from "../db/schema.js";
import { recordIntents } from "../core/commands/record-intents.js";
import type { AgentMode } from "../core/statuses.js";
import { AGENT_MODES } from "../core/statuses.js";
import { loadProject, repoRefOf } from "../core/commands/project-repo.js";
import { markReconcileDue } from "../db/reconcile-due.js";
import { AGENT_COMMENT_MARKER } from "../core/commands/finish-run.js";
import { taskThread, type LoadedRefine } from "../core/commands/refine-thread.js";
import { updateStartedBody } from "../core/branch-update.js";
import { refineStartedBody } from "../core/refine-review.js";
import { reviewStartedBody } from "../core/agent-review.js";
import { agentAlias, agentAliasWithSuffix } from "./agent-names.js";
import type { Fence, TaskRow } from "../db/task-fence.js";
import { anotherRefineAtWork, claimTask, nextReadyTask } from "./task-claims.js";
import { lockProject } from "../core/commands/project-transaction.js";
import type { AgentRow } from "./run-context.js";

type AgentInsert = typeof agents.$inferInsert;

export interface StartedRun {
  task: TaskRow;
  agent: AgentRow;
  fence: Fence;
}

export interface StartRunOptions {
  runnerId: string;
  host: string;
  provider: string;
}

/** Rolls the claim back: the task, or a refine of the same pull request, was claimed at the same moment. */
class ClaimGivenBack extends Error {}

/** Claims tried when other runners keep taking the task this one picked. */
const CLAIM_TRIES = 5;

export async function startRun(db: Db, options: StartRunOptions): Promise<StartedRun | undefined> {
  for (let i = 0; i < CLAIM_TRIES; i++) {
    const claimed = await claim(db, options).catch((error: unknown) => {
      if (error instanceof ClaimGivenBack) return "taken" as const;
      throw error;
    });
    if (claimed !== "taken") return claimed;
  }
  return undefined;
}

function claim(db: Db, options: StartRunOptions): Promise<StartedRun | undefined> {
  return db.transaction(async (tx) => {
    const next = await nextReadyTask(tx);
    if (!next) return undefined;
    // The project's lock first, then the task's row: the order every command takes them in. Sent
    // together (one round trip): the connection runs the claim only once the lock is held.
    const [, task] = await Promise.all([lockProject(tx, next.projectId), claimTask(tx, next.id, options.runnerId)]);
    // Another runner took it between the pick and the lock: pick again.
    if (!task) throw new ClaimGivenBack();
    if (await anotherRefineAtWork(tx, task)) throw new ClaimGivenBack();
    const mode: AgentMode = (AGENT_MODES as readonly string[]).includes(task.category) ? (task.category as AgentMode) : "execute";
    const agent = await recordAgent(tx, {
      taskId: task.id,
      initiativeId: task.initiativeId,
      provider: options.provider,
      mode,
      runnerId: options.runnerId,
      host: options.host,
      attempt: task.attempt,
    });
    await announceAgent(
      tx,
      task,
      `🤖 Agent \`${agent.name}\` is working on this task.\n\n` +
        `- **Started:** ${agent.startedAt!.toISOString()}\n` +
        `- **Attempt:** ${task.attempt}${task.retryCount > 0 ? ` (retry ${task.retryCount})` : ""}\n\n` +
        "`/cw stop` stops it.",
      agent,
    );
    return { task, agent, fence: { taskId: task.id, attempt: task.attempt, runnerId: options.runnerId } };
  });
}

/** A running agent of a task, under a free readable alias (its worktree is named after it unless said otherwise). */
export async function recordAgent(
  tx: Tx,
  values: Pick<AgentInsert, "taskId" | "initiativeId" | "provider" | "mode" | "runnerId" | "host" | "attempt"> & { worktreeId?: string },
): Promise<AgentRow> {
  for (let i = 0; i < 5; i++) {
    const name = i < 2 ? agentAlias() : agentAliasWithSuffix();
    const [agent] = await tx
      .insert(agents)
      .values({ name, worktreeId: name, ...values, status: "running", startedAt: new Date(), heartbeatAt: new Date() })
      .onConflictDoNothing({ target: agents.name })
      .returning();
    if (agent) return agent;
  }
  throw new Error("could not find a free agent alias");
}

/**
 * Tells the task's thread about its agent (the status comment the app keeps: on the issue, or
 * on the pull request for a refine, which says which reviews it works on, or for a branch
 * update), and reconciles: the
 * label, the phase's check run.
 */
export async function announceAgent(tx: Tx, task: TaskRow, body: string, agent?: AgentRow): Promise<void> {
  // Marked due first, in the same round trip as the reads (the mark only bumps a row).
  const [project] = await Promise.all([loadProject(tx, task.projectId!), markReconcileDue(tx, task.projectId!)]);
  const thread = await taskThread(tx, repoRefOf(project), task);
  const work = thread.refine;
  const started = (work: LoadedRefine, agent: AgentRow) =>
    work.kind === "update"
      ? updateStartedBody(work.pr, agent.name, agent.startedAt!, task.attempt, task.retryCount)
      : work.kind === "review"
        ? reviewStartedBody(agent.name, agent.startedAt!, work.pr.head)
        : refineStartedBody(work.reviews, agent.name, agent.startedAt!, task.attempt, task.retryCount);
  await recordIntents(tx, [
    work && agent ? { ...thread.comment(AGENT_COMMENT_MARKER, ""), body: started(work, agent) } : thread.comment(AGENT_COMMENT_MARKER, body),
  ]);
}
