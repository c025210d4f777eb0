/**
 * The periodic reconcile: one repository at a time, each at most every `intervalMs`, claimed
 * through the database so several app processes share the work; and, more often, a check of
 * the dependency references no webhook has confirmed. A repository newly installed is due at
 * once (its `last_reconciled_at` is null).
 */
import { eq, inArray, sql } from "drizzle-orm";
import type { Probot, Context } from "probot";
import type { Database } from "../db/client.js";
import { issueLinks, projects } from "../db/schema.js";
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

type Job = { project: Project; mode: "full" | "verify" };

export function createReconciler(options: ReconcilerOptions): WorkerLoop<Job> {
  const { database, probot, log } = options;
  const intervalMs = options.intervalMs ?? 10 * 60_000;
  const verifyAfterMs = options.verifyAfterMs ?? 15_000;

  async function claim(): Promise<Job | undefined> {
    const [due] = await database.db
      .update(projects)
      .set({ lastReconciledAt: new Date() })
      .where(
        eq(
          projects.id,
          sql`(select p.id from ${projects} p
               where p.installed and (p.last_reconciled_at is null or p.last_reconciled_at < now() - make_interval(secs => ${intervalMs / 1000}))
               order by p.last_reconciled_at nulls first limit 1 for update skip locked)`,
        ),
      )
      .returning();
    if (due) return { project: due, mode: "full" };
    // References no webhook confirmed for a while are read; touching them first keeps two
    // processes (or a failing read) from picking the same ones again at once.
    const touched = await database.db
      .update(issueLinks)
      .set({ updatedAt: new Date() })
      .where(
        inArray(
          issueLinks.projectId,
          sql`(select l.project_id from ${issueLinks} l join ${projects} p on p.id = l.project_id
               where p.installed and not l.verified and l.updated_at < now() - make_interval(secs => ${verifyAfterMs / 1000})
               limit 1)`,
        ),
      )
      .returning({ projectId: issueLinks.projectId });
    const projectId = touched[0]?.projectId;
    if (!projectId) return undefined;
    const [project] = await database.db.select().from(projects).where(eq(projects.id, projectId));
    return project ? { project, mode: "verify" } : undefined;
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

  return new WorkerLoop<Job>({
    name: "reconciler",
    concurrency: 1,
    pollMs: options.pollMs ?? 15_000,
    log,
    claim,
    async handle({ project, mode }) {
      try {
        const octokit = (await probot.auth(project.installationId ?? undefined)) as unknown as AppOctokit;
        if (mode === "full") await reconcileRepository(octokit, project, deps(project, octokit));
        else await verifyLinks(octokit, deps(project, octokit), project);
        options.onWrites?.();
      } catch (error) {
        log.warn({ err: error, repo: project.name, mode }, "reconcile failed; it will run again later");
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
