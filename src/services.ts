/** What handlers and workers are given: the database and the shared, cached helpers. */
import type { Database } from "./db/client.js";
import type { Logger } from "./logger.js";
import type { PermissionChecker } from "./github/permissions.js";
import type { RepoConfigLoader } from "./github/repo-config-loader.js";
import type { Project } from "./core/commands/upsert-project.js";

export interface Services {
  database: Database;
  log: Logger;
  appId: number;
  permissions: PermissionChecker;
  repoConfig: RepoConfigLoader;
  /** Wakes the outbox worker after a command recorded GitHub writes. */
  wakeOutbox(): void;
  /** Wakes the reconciler, e.g. when a repository was just installed and is due for a full read. */
  wakeReconciler(): void;
  /**
   * In a batch's one transaction (intake/one-transaction.ts): the projects its handlers have read
   * or changed, by repository id, so that each delivery does not read its project again.
   */
  batchProjects?: Map<number, Project>;
}
