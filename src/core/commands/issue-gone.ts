/**
 * An issue was deleted or transferred away: its task and phase leave this repository, and the
 * issues that depended on it learn where it went (or that it is gone).
 */
import { and, eq } from "drizzle-orm";
import type { Db, Tx } from "../../db/client.js";
import { issueLinks, phases, tasks } from "../../db/schema.js";
import { markLinkTargets, retargetLinks, type LinkState } from "../../db/issue-links.js";
import type { ProjectRow } from "./project-repo.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import { projectTransaction } from "./project-transaction.js";
import { markOthersDue } from "./mark-others-due.js";

export async function issueGone(db: Db, project: ProjectRow, issueNumber: number): Promise<void> {
  const affected = await projectTransaction(db, project.id, async (tx) => {
    await forget(tx, project, issueNumber);
    const affected = await markLinkTargets(tx, project.name, issueNumber, "missing");
    await markReconcileDue(tx, project.id);
    return affected;
  });
  await markOthersDue(db, affected, project.id);
}

export async function issueTransferred(
  db: Db,
  project: ProjectRow,
  issueNumber: number,
  to: { repo: string; number: number; state: LinkState },
): Promise<void> {
  const affected = await projectTransaction(db, project.id, async (tx) => {
    await forget(tx, project, issueNumber);
    const affected = await retargetLinks(tx, { repo: project.name, number: issueNumber }, to);
    await markReconcileDue(tx, project.id);
    return affected;
  });
  await markOthersDue(db, affected, project.id);
}

async function forget(tx: Tx, project: ProjectRow, issueNumber: number): Promise<void> {
  const [phase] = await tx
    .select({ id: phases.id })
    .from(phases)
    .where(and(eq(phases.projectId, project.id), eq(phases.issueNumber, issueNumber)));
  if (phase) {
    await tx.update(tasks).set({ phaseId: null }).where(eq(tasks.phaseId, phase.id));
    await tx.delete(phases).where(eq(phases.id, phase.id));
  }
  // The task row goes (its agents keep their history: their task_id is set null). Its sub-tasks
  // stay, without a parent: the cascade on parent_task_id must not take them along.
  const [task] = await tx
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.projectId, project.id), eq(tasks.issueNumber, issueNumber)));
  if (task) {
    await tx.update(tasks).set({ parentTaskId: null }).where(eq(tasks.parentTaskId, task.id));
    await tx.delete(tasks).where(eq(tasks.id, task.id));
  }
  await tx.delete(issueLinks).where(and(eq(issueLinks.projectId, project.id), eq(issueLinks.fromNumber, issueNumber)));
}
