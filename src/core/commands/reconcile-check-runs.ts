/**
 * The per-task check-run planner of the reconcile (see reconcile-project.ts and
 * core/task-check-run.ts): for each task of the repository, its check run on the commit that
 * carries its work. It runs after the task statuses are decided. Only what differs from what
 * GitHub already shows (the stored hash) is written; the log tail it shows is the one the
 * runner published on the agent row (at most every 10 s), so reconciles in between write nothing.
 */
import { and, desc, inArray, isNotNull, sql } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { agents } from "../../db/schema.js";
import { checkRunHash } from "../check-run-output.js";
import type { GitHubIntent } from "../intents.js";
import { planTaskCheckRun, TASK_CHECK_RUN_PREFIX, taskCheckRunName } from "../task-check-run.js";
import { recordIntents } from "./record-intents.js";
import type { ReconcileContext } from "./reconcile-project.js";

export async function reconcileCheckRuns(tx: Tx, ctx: ReconcileContext): Promise<void> {
  const { repo } = ctx;
  const planned = ctx.tasks.filter((t) => t.issueNumber !== null && t.pullRequestId === null);
  if (planned.length === 0) return;
  const ids = planned.map((t) => t.id);
  const { usage, pullRequests: prRows } = ctx;
  const shownRows = ctx.checkRuns.filter((c) => c.name.startsWith(TASK_CHECK_RUN_PREFIX));
  const [newest, shas] = await Promise.all([
    tx
      .selectDistinctOn([agents.taskId], {
        taskId: agents.taskId,
        name: agents.name,
        status: agents.status,
        startedAt: agents.startedAt,
        finishedAt: agents.finishedAt,
        headSha: agents.headSha,
        logTail: agents.logTail,
        logTailAt: agents.logTailAt,
        diffStat: agents.diffStat,
      })
      .from(agents)
      .where(inArray(agents.taskId, ids))
      // The agent at work (a merge agent while it resolves), else the newest task agent.
      .orderBy(agents.taskId, desc(sql`${agents.status} = 'running'`), desc(sql`${agents.mode} <> 'merge'`), desc(agents.createdAt)),
    tx
      .selectDistinctOn([agents.taskId], { taskId: agents.taskId, headSha: agents.headSha })
      .from(agents)
      .where(and(inArray(agents.taskId, ids), isNotNull(agents.headSha)))
      .orderBy(agents.taskId, desc(agents.createdAt)),
  ]);
  const agentOf = new Map(newest.map((a) => [a.taskId, a]));
  const shaOf = new Map(shas.map((a) => [a.taskId, a.headSha]));
  /**
   * The head of the pull request that carries the work: the open one; once it merged, for a task
   * done, the head that merged (it stays where people saw it, rather than moving back to the
   * older commit its agent landed on).
   */
  const prHead = (kind: string, subjectId: string | null, done: boolean) => {
    const mine = subjectId ? prRows.filter((p) => p.kind === kind && p.subjectId === subjectId) : [];
    const open = mine.find((p) => p.state === "open" && !p.merged);
    if (open) return open.headSha;
    return done ? (mine.find((p) => p.merged)?.headSha ?? null) : null;
  };
  const shownByName = new Map<string, { headSha: string; status: string | null; outputHash: string | null }[]>();
  for (const s of shownRows) shownByName.set(s.name, [...(shownByName.get(s.name) ?? []), s]);

  const intents: GitHubIntent[] = [];
  for (const t of planned) {
    const a = agentOf.get(t.id);
    const shown = shownByName.get(taskCheckRunName(t.issueNumber!, t.name)) ?? [];
    const writes = planTaskCheckRun({
      issueNumber: t.issueNumber!,
      name: t.name,
      status: t.status,
      waitsForPerson: t.status === "in_progress" && t.claimedBy === null,
      summary: t.summary,
      lastError: t.lastError,
      blockedReason: t.blockedReason,
      agent: a ? { ...a, headSha: shaOf.get(t.id) ?? null } : null,
      pullRequestHead: t.phaseId
        ? prHead("phase", t.phaseId, t.status === "completed")
        : t.initiativeId
          ? prHead("initiative", t.initiativeId, t.status === "completed")
          : prHead("task", t.id, t.status === "completed"),
      draftPhase: t.phaseId !== null && ctx.draftPhases.has(t.phaseId),
      usage: usage.get(t.id) ?? null,
      shown,
    });
    for (const w of writes) {
      // GitHub already shows exactly this: no write, not even a queued one.
      if (shown.find((s) => s.headSha === w.headSha)?.outputHash === checkRunHash(w)) continue;
      intents.push({ kind: "ensure-check-run", repo, ...w });
    }
  }
  await recordIntents(tx, intents);
}
