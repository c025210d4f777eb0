/**
 * The project (repository) an event belongs to. Repository events carry the whole repository,
 * so a project the app missed at installation is recorded on its first event.
 */
import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client.js";
import { projects } from "../db/schema.js";
import { statement } from "../db/prepared.js";
import { upsertProject, type Project } from "../core/commands/upsert-project.js";
import type { Services } from "../services.js";
import type { RepoConfig } from "../core/repo-config.js";
import { DEFAULT_TRIGGER_LABEL, labelDefinitions } from "../core/labels.js";
import { repoRefOf } from "../core/commands/project-repo.js";
import { recordIntents } from "../core/commands/record-intents.js";
import { sameJson } from "../lib/same-json.js";

export interface RepositoryPayload {
  id: number;
  node_id: string;
  full_name: string;
  clone_url: string;
  default_branch?: string;
  private: boolean;
}

export async function projectFor(services: Services, payload: { repository?: RepositoryPayload; installation?: { id: number } }): Promise<Project> {
  const repository = payload.repository;
  const installationId = payload.installation?.id;
  if (!repository || installationId === undefined) throw new Error("event has no repository or installation");
  const known = services.batchProjects?.get(repository.id) ?? (await findProject(services.database.db, repository.id));
  const defaultBranch = repository.default_branch ?? known?.defaultBranch ?? "main";
  if (
    known?.installed &&
    known.name === repository.full_name &&
    known.url === repository.clone_url &&
    known.defaultBranch === defaultBranch &&
    known.installationId === installationId
  ) {
    return known;
  }
  const project = await upsertProject(services.database.db, {
    repositoryId: repository.id,
    nodeId: repository.node_id,
    fullName: repository.full_name,
    cloneUrl: repository.clone_url,
    defaultBranch,
    private: repository.private,
    installationId,
  });
  services.batchProjects?.set(repository.id, project);
  services.wakeOutbox();
  return project;
}

/** The project of a repository, if the app has recorded it. */
export async function findProject(db: DbOrTx, repositoryId: number): Promise<Project | undefined> {
  const [project] = await selectProject(db, { repositoryId });
  return project;
}

// Every repository event reads its project: built once (see db/prepared.ts).
const selectProject = statement<{ repositoryId: number }, Project[]>("project_for", (db) =>
  db
    .select()
    .from(projects)
    .where(eq(projects.repositoryId, sql.placeholder("repositoryId"))),
);

/**
 * Keeps the repository's last valid config on the project: the runner's per-repository agent
 * limit and the pull-request settings (reviewers, merge method) are read from there.
 */
export async function rememberConfig(services: Services, project: Project, config: RepoConfig): Promise<Project> {
  const value = { ...config } as Record<string, unknown>;
  // Compared key by key: PostgreSQL's jsonb does not keep the order keys were written in.
  if (sameJson(project.config, value)) return project;
  await services.database.db.transaction(async (tx) => {
    await tx.update(projects).set({ config: value }).where(eq(projects.id, project.id));
    const before = (project.config as Partial<RepoConfig> | null)?.triggerLabel ?? DEFAULT_TRIGGER_LABEL;
    if (config.triggerLabel !== before) {
      // A trigger label of the repository's own choosing needs its definition too.
      await recordIntents(tx, [{ kind: "ensure-labels", repo: repoRefOf(project), labels: labelDefinitions(config.triggerLabel) }]);
    }
  });
  services.wakeOutbox();
  const remembered = { ...project, config: value };
  if (project.repositoryId !== null) services.batchProjects?.set(project.repositoryId, remembered);
  return remembered;
}
