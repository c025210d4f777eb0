/** What handlers and workers are given: the database and the shared, cached helpers. */
import type { Database } from "./db/client.js";
import type { Logger } from "./logger.js";
import type { PermissionChecker } from "./github/permissions.js";
import type { RepoConfigLoader } from "./github/repo-config-loader.js";

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
}
