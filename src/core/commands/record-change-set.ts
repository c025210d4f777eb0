/**
 * A planning agent's valid plan → one change set, in the transaction that completes its run:
 * the `change_sets` row and one entry per phase, task, page and edit, in the order they must
 * be created (a dependency and a parent before what names them). Nothing is written to GitHub
 * here: under `plan_approval` the change set is a proposal, else `apply-change-sets.ts` takes
 * it from here, paced by the outbox. Either way the planning issue gets its one comment.
 */
import { and, eq } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { changeSetEntries, changeSets, pages, tasks } from "../../db/schema.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import { newChangeSetId, type EntryState } from "../change-set-text.js";
import { CATEGORY_LABELS, PHASE_LABEL, PRIORITY_LABELS, TYPE_LABELS } from "../labels.js";
import type { Plan, PlanRef, PlanTask } from "../plan-file.js";
import type { GitHubIntent } from "../intents.js";
import { commentIntent, initiativeOf, loadEntries, pagesFolderOf, settingsOf } from "./change-set-rows.js";
import { repoConfigOf, repoRefOf, type ProjectRow } from "./project-repo.js";

export interface RecordChangeSetInput {
  project: ProjectRow;
  task: Pick<typeof tasks.$inferSelect, "id" | "initiativeId" | "issueNumber" | "triggeredBy">;
  agentId: string | null;
  agentName: string;
  mode: "plan" | "detail" | "refine";
  plan: Plan;
  summary: string;
}

/** Returns the intents to record (the comment) and the change set's id. */
export async function recordChangeSet(tx: Tx, input: RecordChangeSetInput): Promise<{ id: string; intents: GitHubIntent[] }> {
  const { project, task, plan } = input;
  if (!task.initiativeId) throw new Error("a planning task outside a milestone has no initiative to plan");
  const initiative = await initiativeOf(tx, task.initiativeId);
  const config = repoConfigOf(project);
  const settings = settingsOf(config, initiative);
  const folder = pagesFolderOf(config, initiative);
  const id = newChangeSetId();
  const proposed = settings.planApproval;
  const [cs] = await tx
    .insert(changeSets)
    .values({
      id,
      agentId: input.agentId,
      agentName: input.agentName,
      initiativeId: initiative.id,
      mode: input.mode,
      summary: input.summary.slice(0, 2000),
      status: proposed ? "proposed" : "applying",
      projectId: project.id,
      issueNumber: task.issueNumber,
      taskId: task.id,
      appliedBy: proposed ? null : task.triggeredBy,
      pagesState: plan.pages.length > 0 && !proposed ? "write" : "none",
    })
    .returning();

  const existingPages = new Map(
    (await tx.select({ path: pages.path, content: pages.content }).from(pages).where(eq(pages.initiativeId, initiative.id))).map((p) => [p.path, p.content]),
  );
  const rows: (typeof changeSetEntries.$inferInsert)[] = [];
  const push = (key: string, entityType: "phase" | "task" | "page", action: "create" | "update", state: EntryState, previous: unknown = null) =>
    rows.push({
      changeSetId: id,
      key,
      entityType,
      entityId: key,
      action,
      newState: JSON.stringify(state),
      previousState: previous === null ? null : JSON.stringify(previous),
      sortOrder: rows.length,
    });

  for (const p of creationOrder(plan.phases, (p) => p.dependsOn)) {
    push(p.key, "phase", "create", { kind: "issue", role: "phase", title: p.title, body: p.body, labels: [PHASE_LABEL], parent: null, dependsOn: p.dependsOn });
  }
  for (const t of creationOrder(plan.tasks, (t) => [...t.dependsOn, ...(t.parent ? [t.parent] : [])])) {
    push(t.key, "task", "create", {
      kind: "issue",
      role: "task",
      title: t.title,
      body: t.body,
      labels: taskLabels(t),
      parent: t.parent ?? t.phase,
      dependsOn: t.dependsOn,
    });
  }
  for (const e of plan.edits) {
    const [known] = await tx
      .select({ id: tasks.id })
      .from(tasks)
      .where(and(eq(tasks.projectId, project.id), eq(tasks.issueNumber, e.issue)));
    push(`edit:#${e.issue}`, known ? "task" : "phase", "update", {
      kind: "edit",
      issue: e.issue,
      ...(e.title !== undefined ? { title: e.title } : {}),
      ...(e.body !== undefined ? { body: e.body } : {}),
      close: e.close,
    });
  }
  for (const p of plan.pages) {
    const path = `${folder}/${p.path}`;
    const before = existingPages.get(path);
    push(
      `page:${p.path}`,
      "page",
      before === undefined ? "create" : "update",
      { kind: "page", path: p.path, title: p.title, body: p.body },
      before === undefined ? null : { content: before },
    );
  }
  if (rows.length > 0) await tx.insert(changeSetEntries).values(rows);
  await markReconcileDue(tx, project.id);
  return { id, intents: commentIntent(repoRefOf(project), cs!, await loadEntries(tx, id), folder, initiative.branch) };
}

function taskLabels(t: PlanTask): string[] {
  const labelFor = (map: Readonly<Record<string, string>>, value: string) => Object.entries(map).find(([, v]) => v === value)?.[0];
  return [labelFor(CATEGORY_LABELS, t.category), labelFor(TYPE_LABELS, t.type), labelFor(PRIORITY_LABELS, t.priority)].filter(
    (l): l is string => l !== undefined,
  );
}

/** Depth-first, dependencies first; the plan has no cycles (checked), ties keep the plan's order. */
function creationOrder<T extends { key: string }>(items: readonly T[], refsOf: (item: T) => readonly (PlanRef | null)[]): T[] {
  const byKey = new Map(items.map((i) => [i.key, i]));
  const done = new Set<string>();
  const out: T[] = [];
  const visit = (item: T, depth: number) => {
    if (done.has(item.key) || depth > items.length) return;
    done.add(item.key);
    for (const r of refsOf(item)) {
      const next = r && "key" in r ? byKey.get(r.key) : undefined;
      if (next) visit(next, depth + 1);
    }
    out.push(item);
  };
  // Iterative enough: a plan holds fewer than 500 tasks, so recursion stays shallow.
  for (const item of items) visit(item, 0);
  return out;
}
