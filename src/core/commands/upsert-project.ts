/**
 * Records a repository the app is installed on (a project) and, when it is new to the app or
 * installed again, makes sure the `cw:` labels exist on it.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { projects } from "../../db/schema.js";
import { recordIntents } from "./record-intents.js";
import { labelDefinitions } from "../labels.js";
import { GITHUB_SCOPE, markReconcileDue } from "../../db/reconcile-due.js";

export interface RepositoryFacts {
  repositoryId: number;
  nodeId: string;
  fullName: string;
  cloneUrl: string;
  defaultBranch: string;
  private: boolean;
  installationId: number;
}

export type Project = typeof projects.$inferSelect;

export async function upsertProject(db: Db, facts: RepositoryFacts): Promise<Project> {
  const [owner = "", repo = ""] = facts.fullName.split("/");
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select({ installed: projects.installed, installationId: projects.installationId })
      .from(projects)
      .where(eq(projects.repositoryId, facts.repositoryId))
      .for("update");
    const values = {
      name: facts.fullName,
      url: facts.cloneUrl,
      defaultBranch: facts.defaultBranch,
      installationId: facts.installationId,
      repositoryId: facts.repositoryId,
      repositoryNodeId: facts.nodeId,
      owner,
      repo,
      private: facts.private,
      installed: true,
    };
    const [project] = await tx
      .insert(projects)
      .values(values)
      .onConflictDoUpdate({ target: projects.repositoryId, set: { ...values, updatedAt: new Date() } })
      .returning();
    const newlyInstalled = !before?.installed || before.installationId !== facts.installationId;
    if (newlyInstalled) {
      // Read from GitHub at once: what happened while the app was away.
      await markReconcileDue(tx, project!.id, GITHUB_SCOPE);
      await recordIntents(tx, [{ kind: "ensure-labels", repo: { owner, repo, installationId: facts.installationId }, labels: labelDefinitions() }]);
    }
    return project!;
  });
}

/** The app lost access to these repositories (uninstalled or removed): keep their history, stop acting. */
export async function markProjectsUninstalled(db: Db, repositoryIds: readonly number[]): Promise<void> {
  for (const repositoryId of repositoryIds) {
    await db.update(projects).set({ installed: false }).where(eq(projects.repositoryId, repositoryId));
  }
}

export async function markInstallationUninstalled(db: Db, installationId: number): Promise<void> {
  await db.update(projects).set({ installed: false }).where(eq(projects.installationId, installationId));
}
