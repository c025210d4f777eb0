/**
 * What GitHub knows, read back: each installed repository is read whole (`github` rows, due
 * again every `intervalMs`; a repository newly installed is due at once), one of the app's pull
 * requests is read when a write about it ended ambiguously (`pull-request:<id>` rows), and, more
 * often, the dependency references no webhook has confirmed are checked. All of it is claimed
 * through the database, so several app processes share the work. Reads only: what was read goes
 * through the same commands as a webhook, and every GitHub write through the outbox.
 */
import { eq, inArray, sql } from "drizzle-orm";
import type { Probot, Context } from "probot";
import type { Database } from "../db/client.js";
import { issueLinks, projects, pullRequests } from "../db/schema.js";
import { GITHUB_SCOPE, dueGeneration, settleReconcile } from "../db/reconcile-due.js";
import type { Logger } from "../logger.js";
import { WorkerLoop } from "../lib/worker-loop.js";
import type { AppOctokit } from "../github/octokit.js";
import type { PermissionChecker } from "../github/permissions.js";
import type { RepoConfigLoader } from "../github/repo-config-loader.js";
import type { Project } from "../core/commands/upsert-project.js";
import { claimReconcile, failReconcile, scheduleGitHubReads } from "./reconcile-queue.js";
import { readPullRequest, readRepository, verifyLinks, type ReadDeps } from "./read-repository.js";

export interface GitHubReaderOptions {
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
  /** Awaited before each claim (on PGlite: the intake goes first). */
  turn?: () => Promise<void>;
}

const PULL_REQUEST_PREFIX = "pull-request:";

type Job =
  | { mode: "row"; project: Project; row: { projectId: string; scope: string; attempts: number; generation: number } }
  | { mode: "verify"; project: Project };

export function createGitHubReader(options: GitHubReaderOptions): WorkerLoop<Job> {
  const { database, probot, log } = options;
  const intervalMs = options.intervalMs ?? 10 * 60_000;
  const verifyAfterMs = options.verifyAfterMs ?? 15_000;
  let scheduled = false;

  async function claim(): Promise<Job | undefined> {
    if (!scheduled) {
      // Every installed repository is read periodically, including those recorded before the
      // reconcile rows existed.
      await scheduleGitHubReads(database);
      scheduled = true;
    }
    const row = await claimReconcile(database, [GITHUB_SCOPE, PULL_REQUEST_PREFIX], 600);
    if (row) {
      const [project] = await database.db.select().from(projects).where(eq(projects.id, row.projectId));
      if (project) return { mode: "row", project, row };
    }
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
    return project ? { mode: "verify", project } : undefined;
  }

  function deps(project: Project, octokit: AppOctokit): ReadDeps {
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

  async function handleRow(job: Extract<Job, { mode: "row" }>, octokit: AppOctokit): Promise<void> {
    const { project, row } = job;
    if (row.scope === GITHUB_SCOPE) {
      await readRepository(octokit, project, deps(project, octokit));
      await database.db.update(projects).set({ lastReconciledAt: new Date() }).where(eq(projects.id, project.id));
      await settleReconcile(database.db, row, row.generation, intervalMs);
      return;
    }
    const pullRequestId = row.scope.slice(PULL_REQUEST_PREFIX.length);
    const [pr] = await database.db.select().from(pullRequests).where(eq(pullRequests.id, pullRequestId));
    if (pr) await readPullRequest(octokit, project, pr, deps(project, octokit));
    const generation = await dueGeneration(database.db, project.id, row.scope);
    await settleReconcile(database.db, row, generation === row.generation ? generation : undefined);
  }

  return new WorkerLoop<Job>({
    name: "github-reader",
    concurrency: 1,
    pollMs: options.pollMs ?? 15_000,
    log,
    ...(options.turn ? { turn: options.turn } : {}),
    claim,
    async handle(job) {
      try {
        const octokit = (await probot.auth(job.project.installationId ?? undefined)) as unknown as AppOctokit;
        if (job.mode === "row") await handleRow(job, octokit);
        else await verifyLinks(octokit, deps(job.project, octokit), job.project);
        options.onWrites?.();
      } catch (error) {
        log.warn({ err: error, repo: job.project.name, mode: job.mode }, "reading GitHub failed; it will run again later");
        if (job.mode === "row") await failReconcile(database, job.row, String(error));
      }
    },
  });
}

/** Probot's config loader, outside a webhook context (octokit-plugin-config is on every ProbotOctokit). */
async function configOf(octokit: AppOctokit, owner: string, repo: string, file: string): Promise<unknown> {
  const { config, files } = await (
    octokit as unknown as {
      config: { get(o: object): Promise<{ config: unknown; files: { config: unknown }[] }> };
    }
  ).config.get({ owner, repo, path: `.github/${file}` });
  return files.some((f) => f.config !== null) ? config : null;
}
