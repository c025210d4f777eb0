/**
 * The project (repository) an event belongs to. Repository events carry the whole repository,
 * so a project the app missed at installation is recorded on its first event.
 */
import { eq } from "drizzle-orm";
import { projects } from "../db/schema.js";
import { upsertProject, type Project } from "../core/commands/upsert-project.js";
import type { Services } from "../services.js";

export interface RepositoryPayload {
  id: number;
  node_id: string;
  full_name: string;
  clone_url: string;
  default_branch?: string;
  private: boolean;
}

export async function projectFor(
  services: Services,
  payload: { repository?: RepositoryPayload; installation?: { id: number } },
): Promise<Project> {
  const repository = payload.repository;
  const installationId = payload.installation?.id;
  if (!repository || installationId === undefined) throw new Error("event has no repository or installation");
  const [known] = await services.database.db.select().from(projects).where(eq(projects.repositoryId, repository.id));
  const defaultBranch = repository.default_branch ?? known?.defaultBranch ?? "main";
  if (
    known &&
    known.installed &&
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
  services.wakeOutbox();
  return project;
}
