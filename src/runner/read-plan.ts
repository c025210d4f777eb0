/**
 * After a planning agent (`cw:plan`, `cw:detail`, `cw:refine` on an issue) is done: its
 * `.cw/output/plan.json`, read without following links (the agent owned the folder), checked
 * against what the repository has (core/plan-file.ts). A bad plan fails the task with every
 * problem quoted in its one comment, and nothing is created.
 */
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { phases, tasks } from "../db/schema.js";
import { agentLogLine, codeBlock } from "../core/agent-text.js";
import { checkPlan, PLAN_FILE, type Plan } from "../core/plan-file.js";
import { readAgentFile } from "./containment/safe-files.js";
import type { RunContext } from "./run-context.js";

/** A plan of 500 tasks with long bodies fits; more is not a plan a person can review. */
const MAX_PLAN_BYTES = 4 * 1024 * 1024;

export type PlanMode = "plan" | "detail" | "refine";

/** The task's planning mode, or null for any other task (a refine from a review makes code, not a plan). */
export function planModeOf(ctx: RunContext): PlanMode | null {
  const c = ctx.task.category;
  if (ctx.task.issueNumber === null || ctx.task.pullRequestId !== null) return null;
  return c === "plan" || c === "detail" || c === "refine" ? c : null;
}

export type PlanRead = { ok: true; plan: { mode: PlanMode; plan: Plan } } | { ok: false; error: string; comment: string };

export async function readPlan(db: Db, ctx: RunContext, mode: PlanMode, worktree: string, agentName: string): Promise<PlanRead> {
  if (!ctx.initiative) {
    return refuse(agentName, ["a planning task must be an issue of a milestone: the milestone is the initiative it plans"]);
  }
  const file = await readAgentFile(path.join(worktree, ".cw", "output"), PLAN_FILE, MAX_PLAN_BYTES);
  if (file.kind === "refused") return refuse(agentName, [`\`.cw/output/${PLAN_FILE}\` was not read: ${file.reason}`]);
  const [taskRows, phaseRows] = await Promise.all([
    db.select({ n: tasks.issueNumber }).from(tasks).where(eq(tasks.projectId, ctx.project.id)),
    db.select({ n: phases.issueNumber }).from(phases).where(eq(phases.projectId, ctx.project.id)),
  ]);
  const known = new Map<number, { kind: "phase" | "task" }>();
  for (const r of taskRows) if (r.n !== null) known.set(r.n, { kind: "task" });
  // An issue that is both (a phase with a detail task on it) counts as the phase.
  for (const r of phaseRows) if (r.n !== null) known.set(r.n, { kind: "phase" });
  const own = ctx.task.issueNumber!;
  const target = mode === "detail" ? { kind: known.get(own)?.kind ?? "task", issueNumber: own } : undefined;
  if (mode === "detail" && target?.kind === "task") known.set(own, { kind: "task" });
  const checked = checkPlan(file.kind === "file" ? file.text : undefined, { mode, known, target });
  if (!checked.ok) return refuse(agentName, checked.problems);
  return { ok: true, plan: { mode, plan: checked.plan } };
}

function refuse(agentName: string, problems: string[]): PlanRead {
  const shown = problems.slice(0, 30);
  const more = problems.length > shown.length ? `\n… and ${problems.length - shown.length} more` : "";
  return {
    ok: false,
    error: `the plan was refused: ${problems[0] ?? "invalid"}`,
    comment: [
      `❌ Agent \`${agentName}\` proposed a plan that cannot be applied, so nothing was created:`,
      "",
      codeBlock(shown.map(agentLogLine).join("\n") + more),
      "",
      "Say `/cw retry` to run the planning agent again.",
    ].join("\n"),
  };
}
