/** The app's record of its pull requests (see the pull_requests table), for the operations. */
import { and, eq } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/client.js";
import { projects, pullRequests } from "../db/schema.js";

export type PullRequestRow = typeof pullRequests.$inferSelect;

export async function projectIdOf(db: Db, repo: { owner: string; repo: string }): Promise<string> {
  const [row] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(eq(projects.name, `${repo.owner}/${repo.repo}`));
  if (!row) throw new Error(`unknown repository ${repo.owner}/${repo.repo}`);
  return row.id;
}

export async function findPullRequest(db: Db, repo: { owner: string; repo: string }, head: string, base: string): Promise<PullRequestRow | undefined> {
  const projectId = await projectIdOf(db, repo);
  const [row] = await db
    .select()
    .from(pullRequests)
    .where(and(eq(pullRequests.projectId, projectId), eq(pullRequests.head, head), eq(pullRequests.base, base)));
  return row;
}

export async function updatePullRequest(db: DbOrTx, id: string, values: Partial<PullRequestRow>): Promise<void> {
  await db.update(pullRequests).set(values).where(eq(pullRequests.id, id));
}
