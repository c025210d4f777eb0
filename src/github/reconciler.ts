/**
 * The periodic reconcile: one repository at a time, each at most every `intervalMs`, claimed
 * through the database so several app processes share the work; and, more often, a check of
 * the dependency references no webhook has confirmed. A repository newly installed is due at
 * once (its `last_reconciled_at` is null).
 */
import { and, eq, sql } from "drizzle-orm";
import type { Probot, Context } from "probot";
import type { Database } from "../db/client.js";
import { projects } from "../db/schema.js";
import type { Logger } from "../logger.js";
import { WorkerLoop } from "../lib/worker-loop.js";
import type { AppOctokit } from "./octokit.js";
import type { PermissionChecker } from "./permissions.js";
import type { RepoConfigLoader } from "./repo-config-loader.js";
import { reconcileRepository, verifyLinks } from "./reconcile-repository.js";
import type { Project } from "../core/commands/upsert-project.js";

export interface ReconcilerOptions {
  database: Database;
  probot: Probot;
  log: Logger;
  permissions: PermissionChecker;
  repoConfig: RepoConfigLoader;
  intervalMs?: number;
  pollMs?: number;
  /** How long a `Depends on` reference may stay unconfirmed before it is read. */
  verifyAfterMs?: number;
  onWrites?: () => void;
}

export function createReconciler(options: ReconcilerOptions): WorkerLoop<Project> {
  const { database, probot, log } = options;
  const intervalMs = options.intervalMs ?? 10 * 60_000;
  const verifyAfterMs = options.verifyAfterMs ?? 15_000;
  let lastVerify = 0;

  async function claim(): Promise<Project | undefined> {
    const [row] = await database.db
      .update(projects)
      .set({ lastReconciledAt: new Date() })
      .where(
        eq(
          projects.id,
          sql`(select p.id from ${projects} p
               where p.installed and (p.last_reconciled_at is null or p.last_reconciled_at < ${new Date(Date.now() - intervalMs)})
               order by p.last_reconciled_at nulls first limit 1 for update skip locked)`,
        ),
      )
      .returning();
    if (row) return row;
    // Nothing due: use the quiet moment to confirm dependency references.
    if (Date.now() - lastVerify >= verifyAfterMs) {
      lastVerify = Date.now();
      await verifyAll();
    }
    return undefined;
  }

  async function verifyAll(): Promise<void> {
    const installed = await database.db.select().from(projects).where(and(eq(projects.installed, true)));
    for (const project of installed) {
      try {
        const octokit = (await probot.auth(project.installationId ?? undefined)) as unknown as AppOctokit;
        const verified = await verifyLinks(octokit, deps(project, octokit), project, verifyAfterMs);
        if (verified > 0) options.onWrites?.();
      } catch (error) {
        log.warn({ err: error, repo: project.name }, "could not verify dependency references");
      }
    }
  }

  function deps(project: Project, octokit: AppOctokit) {
    const [owner = "", repo = ""] = project.name.split("/");
    const context = {
      repo: () => ({ owner, repo }),
      config: (file: string) => configOf(octokit, owner, repo, file),
    } as unknown as Pick<Context, "config" | "repo">;
    return {
      database,
      log,
      permissions: options.permissions,
      loadConfig: () => options.repoConfig.load(context),
    };
  }

  return new WorkerLoop<Project>({
    name: "reconciler",
    concurrency: 1,
    pollMs: options.pollMs ?? 15_000,
    log,
    claim,
    async handle(project) {
      const octokit = (await probot.auth(project.installationId ?? undefined)) as unknown as AppOctokit;
      try {
        await reconcileRepository(octokit, project, deps(project, octokit));
        options.onWrites?.();
      } catch (error) {
        log.warn({ err: error, repo: project.name }, "reconcile failed; it will run again at the next interval");
      }
    },
  });
}

/** Probot's config loader, outside a webhook context (octokit-plugin-config is on every ProbotOctokit). */
async function configOf(octokit: AppOctokit, owner: string, repo: string, file: string): Promise<unknown> {
  const { config, files } = await (octokit as unknown as {
    config: { get(o: object): Promise<{ config: unknown; files: { config: unknown }[] }> };
  }).config.get({ owner, repo, path: `.github/${file}` });
  return files.some((f) => f.config !== null) ? config : null;
}

