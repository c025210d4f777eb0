/**
 * What agents of an initiative get besides the task's own files (DESIGN §3 "Planning agents"):
 *
 *   context/pages/<path>        every page of the initiative, as committed on its branch
 *   context/change-set.md       the change set that created this task, if one did: its id, the
 *                               planning issue and what the planning agent said
 *   context/initiative-issues.md  (planning agents) the milestone's phases and tasks with status
 *   context/tree.md             (planning agents) the repository's files, one per line (capped)
 *
 * Page paths were checked when their plan was (relative, no `..`); they are checked again here,
 * since the file is written on the runner's side of the handover.
 */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { changeSetEntries, changeSets, pages, phases, tasks } from "../db/schema.js";
import type { RunContext } from "./run-context.js";
import { planModeOf } from "./read-plan.js";
import { pagesFolderOf } from "../core/commands/change-set-rows.js";
import { repoConfigOf } from "../core/commands/project-repo.js";

export interface PlanningContext {
  pages: { rel: string; content: string }[];
  changeSet: { id: string; mode: string; agentName: string; issueNumber: number | null; summary: string | null } | null;
  /** For planning agents only. */
  issues: { number: number; kind: "phase" | "task"; title: string; status: string }[] | null;
}

const MAX_TREE_FILES = 2_000;

export async function loadPlanningContext(db: Db, ctx: RunContext): Promise<PlanningContext> {
  const initiativeId = ctx.initiative?.id;
  const folder = ctx.initiative ? pagesFolderOf(repoConfigOf(ctx.project), ctx.initiative) : "";
  // Side by side: a run's start waits for both.
  const [pageRows, [created]] = await Promise.all([
    initiativeId ? db.select().from(pages).where(eq(pages.initiativeId, initiativeId)) : [],
    ctx.task.issueNumber !== null && ctx.project.id
      ? db
          .select({
            id: changeSets.id,
            mode: changeSets.mode,
            agentName: changeSets.agentName,
            issueNumber: changeSets.issueNumber,
            summary: changeSets.summary,
          })
          .from(changeSetEntries)
          .innerJoin(changeSets, eq(changeSets.id, changeSetEntries.changeSetId))
          .where(and(eq(changeSets.projectId, ctx.project.id), eq(changeSetEntries.issueNumber, ctx.task.issueNumber), eq(changeSetEntries.action, "create")))
          .limit(1)
      : [],
  ]);
  let issues: PlanningContext["issues"] = null;
  if (planModeOf(ctx) && initiativeId) {
    const [phaseRows, taskRows] = await Promise.all([
      db.select().from(phases).where(eq(phases.initiativeId, initiativeId)),
      db.select().from(tasks).where(eq(tasks.initiativeId, initiativeId)),
    ]);
    issues = [
      ...phaseRows.filter((p) => p.issueNumber !== null).map((p) => ({ number: p.issueNumber!, kind: "phase" as const, title: p.name, status: p.status })),
      ...taskRows
        .filter((t) => t.issueNumber !== null && t.id !== ctx.task.id)
        .map((t) => ({ number: t.issueNumber!, kind: "task" as const, title: t.name, status: t.status })),
    ].sort((a, b) => a.number - b.number);
  }
  return {
    pages: pageRows.filter((p) => p.path && p.content !== null).map((p) => ({ rel: p.path!.slice(folder.length).replace(/^\/+/, ""), content: p.content! })),
    changeSet: created ?? null,
    issues,
  };
}

export async function writePlanningFiles(inputDir: string, worktree: string, p: PlanningContext): Promise<void> {
  const context = path.join(inputDir, "context");
  await mkdir(context, { recursive: true });
  for (const page of p.pages) {
    if (!page.rel || page.rel.split("/").some((part) => part === ".." || part === "") || path.isAbsolute(page.rel)) continue;
    const target = path.join(context, "pages", page.rel);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, page.content, "utf8");
  }
  if (p.changeSet) {
    const c = p.changeSet;
    await writeFile(
      path.join(context, "change-set.md"),
      `---\nchange_set: ${c.id}\nmode: ${c.mode}\nagent: ${c.agentName}\nplanning_issue: ${c.issueNumber ?? "null"}\n---\n\nThis task was created by change set ${c.id}, which a ${c.mode} agent proposed.\n\n${c.summary ?? ""}\n`,
      "utf8",
    );
  }
  if (p.issues) {
    const lines = p.issues.map((i) => `- #${i.number} (${i.kind}, ${i.status}) ${i.title.replace(/\s+/g, " ")}`);
    await writeFile(path.join(context, "initiative-issues.md"), `# The milestone's issues\n\n${lines.join("\n") || "(none yet)"}\n`, "utf8");
    await writeFile(path.join(context, "tree.md"), `# The repository's files\n\n${(await listFiles(worktree)).join("\n")}\n`, "utf8");
  }
}

/** The worktree's files, breadth-first, without .cw/ and .git; capped. */
async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const queue = [""];
  while (queue.length > 0 && out.length < MAX_TREE_FILES) {
    const dir = queue.shift()!;
    const entries = await readdir(path.join(root, dir), { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name === ".cw" || e.name === ".git") continue;
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) queue.push(rel);
      else if (e.isFile()) out.push(rel);
    }
  }
  return out.slice(0, MAX_TREE_FILES);
}
