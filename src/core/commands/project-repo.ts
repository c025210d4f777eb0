import { eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { projects } from "../../db/schema.js";
import type { RepoRef } from "../intents.js";
import { DEFAULT_REPO_CONFIG, type RepoConfig } from "../repo-config.js";

export type ProjectRow = typeof projects.$inferSelect;

export async function loadProject(tx: DbOrTx, projectId: string): Promise<ProjectRow> {
  const [project] = await tx.select().from(projects).where(eq(projects.id, projectId));
  if (!project) throw new Error(`unknown project ${projectId}`);
  return project;
}

/** The repository's last valid `.github/codewalkers.yml`, kept on the project, over the defaults. */
export function repoConfigOf(project: Pick<ProjectRow, "config">): RepoConfig {
  return { ...DEFAULT_REPO_CONFIG, ...((project.config ?? {}) as Partial<RepoConfig>) };
}

/** How intents name the project's repository. */
export function repoRefOf(project: ProjectRow): RepoRef {
  const [owner = "", repo = ""] = project.name.split("/");
  return { owner: project.owner ?? owner, repo: project.repo ?? repo, installationId: project.installationId ?? 0 };
}
