/**
 * The labels each task or phase issue carries, as the app last saw them (from webhook payloads
 * and from its own writes). Lets label writes be computed without reading the issue.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { phases, projects, tasks } from "../db/schema.js";

export interface IssueLabelStore {
  get(repo: { owner: string; repo: string }, issueNumber: number): Promise<string[]>;
  set(repo: { owner: string; repo: string }, issueNumber: number, labels: string[]): Promise<void>;
}

export function dbIssueLabelStore(db: Db): IssueLabelStore {
  async function projectId(repo: { owner: string; repo: string }): Promise<string | undefined> {
    const [row] = await db
      .select({ id: projects.id })
      .from(projects)
      .where(eq(projects.name, `${repo.owner}/${repo.repo}`));
    return row?.id;
  }
  return {
    async get(repo, issueNumber) {
      const id = await projectId(repo);
      if (!id) return [];
      const [task] = await db
        .select({ labels: tasks.labels })
        .from(tasks)
        .where(and(eq(tasks.projectId, id), eq(tasks.issueNumber, issueNumber)));
      if (task) return task.labels;
      const [phase] = await db
        .select({ labels: phases.labels })
        .from(phases)
        .where(and(eq(phases.projectId, id), eq(phases.issueNumber, issueNumber)));
      return phase?.labels ?? [];
    },
    async set(repo, issueNumber, labels) {
      const id = await projectId(repo);
      if (!id) return;
      await db
        .update(tasks)
        .set({ labels })
        .where(and(eq(tasks.projectId, id), eq(tasks.issueNumber, issueNumber)));
      await db
        .update(phases)
        .set({ labels })
        .where(and(eq(phases.projectId, id), eq(phases.issueNumber, issueNumber)));
    },
  };
}
