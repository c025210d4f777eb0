/**
 * installation and installation_repositories: record the repositories the app may act on.
 * Installation payloads name repositories without their clone URL or default branch, so each
 * added repository is read once.
 */
import type { Context } from "probot";
import type { Services } from "../services.js";
import { markInstallationUninstalled, markProjectsUninstalled, upsertProject } from "../core/commands/upsert-project.js";

type RepoRef = { id: number; full_name: string };

export function onInstallation(services: Services) {
  return async (context: Context<"installation">): Promise<void> => {
    const { action, installation } = context.payload;
    if (action === "deleted" || action === "suspend") {
      await markInstallationUninstalled(services.database.db, installation.id);
      return;
    }
    if (action === "created" || action === "unsuspend" || action === "new_permissions_accepted") {
      const repositories = context.payload.repositories ?? (await listInstallationRepositories(context));
      await recordRepositories(services, context, installation.id, repositories);
    }
  };
}

export function onInstallationRepositories(services: Services) {
  return async (context: Context<"installation_repositories">): Promise<void> => {
    const { installation, repositories_added, repositories_removed } = context.payload;
    await markProjectsUninstalled(
      services.database.db,
      repositories_removed.map((r) => r.id).filter((id): id is number => typeof id === "number"),
    );
    await recordRepositories(services, context, installation.id, repositories_added);
  };
}

async function recordRepositories(
  services: Services,
  context: Context<"installation" | "installation_repositories">,
  installationId: number,
  repositories: readonly RepoRef[],
): Promise<void> {
  for (const ref of repositories) {
    const [owner = "", repo = ""] = ref.full_name.split("/");
    const { data } = await context.octokit.rest.repos.get({ owner, repo });
    await upsertProject(services.database.db, {
      repositoryId: data.id,
      nodeId: data.node_id,
      fullName: data.full_name,
      cloneUrl: data.clone_url,
      defaultBranch: data.default_branch,
      private: data.private,
      installationId,
    });
  }
  services.wakeOutbox();
  services.wakeReconciler();
}

async function listInstallationRepositories(context: Context<"installation">): Promise<RepoRef[]> {
  return context.octokit.paginate(context.octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
}
