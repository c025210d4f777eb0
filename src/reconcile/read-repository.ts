/**
 * Re-reads a repository's milestones, Codewalkers issues and the app's pull requests from GitHub
 * and converges the model on them, so a webhook that never arrived heals itself: a merge learned
 * late completes its phase, a pull request closed by hand blocks it. Reads only: what was read
 * goes through the same commands as a webhook, and every GitHub write through the outbox.
 */
import { and, eq, inArray, isNotNull, notInArray, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { initiatives, issueLinks, phases, pullRequests, tasks } from "../db/schema.js";
import { markReconcileDue } from "../db/reconcile-due.js";
import { issueFactsOf, milestoneFactsOf } from "../core/issue-facts.js";
import { PHASE_LABEL } from "../core/labels.js";
import { archiveInitiative, upsertInitiative } from "../core/commands/sync-initiative.js";
import { syncIssue } from "../core/commands/sync-issue.js";
import { upsertLink, type LinkState } from "../db/issue-links.js";
import { projectTransaction } from "../core/commands/project-transaction.js";
import { syncPullRequest } from "../core/commands/sync-pull-request.js";
import { pullRequestFactsOf, type ApiPullRequest } from "../core/pull-request-facts.js";
import type { Project } from "../core/commands/upsert-project.js";
import type { Logger } from "../logger.js";
import type { AppOctokit } from "../github/octokit.js";
import type { PermissionChecker } from "../github/permissions.js";
import type { RepoConfigResult } from "../github/repo-config-loader.js";
import { bodyRefsOf } from "../webhooks/body-links.js";

export interface ReadDeps {
  database: Database;
  log: Logger;
  permissions: PermissionChecker;
  loadConfig(): Promise<RepoConfigResult>;
}

type ApiIssue = Parameters<typeof issueFactsOf>[0] & {
  issue_dependencies_summary?: { total_blocked_by?: number };
};

export async function readRepository(octokit: AppOctokit, project: Project, deps: ReadDeps): Promise<void> {
  const db = deps.database.db;
  const [owner = "", repo = ""] = project.name.split("/");
  const configResult = await deps.loadConfig();
  if (!configResult.ok) {
    deps.log.warn({ repo: project.name, error: configResult.error }, "reconcile skipped: invalid repository config");
    return;
  }
  const config = configResult.config;

  // Milestones → initiatives; a milestone that is gone archives its initiative.
  const milestones = await octokit.paginate(octokit.rest.issues.listMilestones, { owner, repo, state: "all", per_page: 100 });
  await projectTransaction(db, project.id, async (tx) => {
    for (const m of milestones) await upsertInitiative(tx, project, milestoneFactsOf(m));
    const numbers = milestones.map((m) => m.number);
    const stale = await tx
      .select({ n: initiatives.milestoneNumber })
      .from(initiatives)
      .where(
        and(
          eq(initiatives.projectId, project.id),
          sql`${initiatives.milestoneNumber} is not null`,
          numbers.length ? notInArray(initiatives.milestoneNumber, numbers) : sql`true`,
        ),
      );
    for (const s of stale) await archiveInitiative(tx, project, s.n!);
  });

  // Issues that carry the trigger label or are phases.
  const labelled = new Map<number, ApiIssue>();
  for (const label of [config.triggerLabel, PHASE_LABEL]) {
    const found = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, state: "all", labels: label, per_page: 100 });
    for (const issue of found) if (!issue.pull_request) labelled.set(issue.number, issue as ApiIssue);
  }
  const known = await db.select().from(tasks).where(eq(tasks.projectId, project.id));
  const knownByNumber = new Map(known.map((t) => [t.issueNumber, t]));

  for (const issue of labelled.values()) {
    const facts = issueFactsOf(issue);
    const task = knownByNumber.get(issue.number);
    let startedBy: string | null = null;
    if (!task && facts.labels.includes(config.triggerLabel) && facts.state === "open") {
      startedBy = await whoLabelled(octokit, owner, repo, issue.number, config.triggerLabel, deps.permissions);
    }
    await syncIssue(db, {
      project,
      issue: facts,
      config,
      startedBy,
      stopRequested: false,
      trustBody: startedBy !== null,
      bodyLinks: startedBy !== null ? bodyRefsOf(project, facts) : null,
      statusLabels: "payload",
    });
    const nativeKnown = await db
      .select({ n: issueLinks.toNumber })
      .from(issueLinks)
      .where(
        and(eq(issueLinks.projectId, project.id), eq(issueLinks.kind, "blocked_by"), eq(issueLinks.source, "native"), eq(issueLinks.fromNumber, issue.number)),
      );
    const total = issue.issue_dependencies_summary?.total_blocked_by;
    if (total !== undefined && total !== nativeKnown.length) await refreshNativeBlockers(octokit, deps, project, issue.number);
  }

  // Active tasks whose issue no longer carries the label: read them to learn if they were closed.
  for (const task of known) {
    if (task.issueNumber === null || labelled.has(task.issueNumber)) continue;
    if (task.status === "completed" || task.status === "cancelled") continue;
    try {
      const { data } = await octokit.rest.issues.get({ owner, repo, issue_number: task.issueNumber });
      await syncIssue(db, {
        project,
        issue: issueFactsOf(data),
        config,
        startedBy: null,
        stopRequested: false,
        trustBody: false,
        bodyLinks: null,
        statusLabels: "payload",
      });
    } catch (error) {
      if ((error as { status?: number }).status !== 404 && (error as { status?: number }).status !== 410) throw error;
    }
  }

  // Sub-issues of every phase.
  const phaseRows = await db.select().from(phases).where(eq(phases.projectId, project.id));
  for (const phase of phaseRows) {
    if (phase.issueNumber === null) continue;
    const children = await octokit.paginate(octokit.rest.issues.listSubIssues, { owner, repo, issue_number: phase.issueNumber, per_page: 100 });
    await projectTransaction(db, project.id, async (tx) => {
      for (const child of children) {
        await upsertLink(tx, project.id, "sub_issue", "native", phase.issueNumber!, {
          toRepo: project.name,
          toNumber: child.number,
          toIssueId: child.id,
          toState: child.state === "closed" ? "closed" : "open",
          verified: true,
        });
      }
    });
  }

  await readPullRequests(octokit, project, deps);
  await verifyLinks(octokit, deps, project);
  await markReconcileDue(db, project.id);
}

/**
 * The app's pull requests as GitHub has them now. One read lists the most recently updated
 * (open or closed); a pull request the app still counts as open that is not among them is read
 * on its own. Nothing is read when the app counts none open.
 */
async function readPullRequests(octokit: AppOctokit, project: Project, deps: ReadDeps): Promise<void> {
  const db = deps.database.db;
  const open = await db
    .select()
    .from(pullRequests)
    .where(and(eq(pullRequests.projectId, project.id), isNotNull(pullRequests.number), eq(pullRequests.state, "open"), eq(pullRequests.merged, false)));
  if (open.length === 0) return;
  const [owner = "", repo = ""] = project.name.split("/");
  const { data: recent } = await octokit.rest.pulls.list({ owner, repo, state: "all", sort: "updated", direction: "desc", per_page: 100 });
  const byNumber = new Map(recent.map((pr) => [pr.number, pr as ApiPullRequest]));
  for (const row of open) {
    const pr = byNumber.get(row.number!) ?? (await getPullRequest(octokit, owner, repo, row.number!));
    if (pr) await learnPullRequest(db, project, row, pr);
  }
}

/** One of the app's pull requests read on its own (a merge whose outcome is not known). */
export async function readPullRequest(octokit: AppOctokit, project: Project, row: typeof pullRequests.$inferSelect, deps: ReadDeps): Promise<void> {
  if (row.number === null) return;
  const [owner = "", repo = ""] = project.name.split("/");
  const pr = await getPullRequest(octokit, owner, repo, row.number);
  if (pr) await learnPullRequest(deps.database.db, project, row, pr);
}

async function getPullRequest(octokit: AppOctokit, owner: string, repo: string, number: number): Promise<ApiPullRequest | undefined> {
  try {
    return (await octokit.rest.pulls.get({ owner, repo, pull_number: number })).data as ApiPullRequest;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 404 || status === 410) return undefined;
    throw error;
  }
}

/** A pull request that GitHub shows otherwise than the app's record goes through the webhook's command. */
async function learnPullRequest(db: Database["db"], project: Project, row: typeof pullRequests.$inferSelect, pr: ApiPullRequest): Promise<void> {
  const facts = pullRequestFactsOf(pr);
  const same =
    row.state === facts.state &&
    row.merged === facts.merged &&
    row.headSha === facts.headSha &&
    row.draft === facts.draft &&
    row.head === facts.head &&
    row.base === facts.base;
  if (!same) await syncPullRequest(db, project, facts);
}

async function whoLabelled(
  octokit: AppOctokit,
  owner: string,
  repo: string,
  issueNumber: number,
  label: string,
  permissions: PermissionChecker,
): Promise<string | null> {
  const events = await octokit.paginate(octokit.rest.issues.listEvents, { owner, repo, issue_number: issueNumber, per_page: 100 });
  const last = events.filter((e) => e.event === "labeled" && (e as { label?: { name?: string } }).label?.name === label).pop();
  const actor = last?.actor;
  if (!actor) return null;
  const decision = await permissions.check(octokit, { owner, repo, login: actor.login, userType: actor.type });
  return decision.allowed ? actor.login : null;
}

async function refreshNativeBlockers(octokit: AppOctokit, deps: ReadDeps, project: Project, issueNumber: number): Promise<void> {
  const [owner = "", repo = ""] = project.name.split("/");
  const blockers = await octokit.paginate(octokit.rest.issues.listDependenciesBlockedBy, { owner, repo, issue_number: issueNumber, per_page: 100 });
  await projectTransaction(deps.database.db, project.id, async (tx) => {
    const mine = and(
      eq(issueLinks.projectId, project.id),
      eq(issueLinks.kind, "blocked_by"),
      eq(issueLinks.source, "native"),
      eq(issueLinks.fromNumber, issueNumber),
    );
    await tx.delete(issueLinks).where(mine);
    for (const b of blockers) {
      const toRepo = b.repository_url.split("/repos/")[1] ?? project.name;
      await upsertLink(tx, project.id, "blocked_by", "native", issueNumber, {
        toRepo,
        toNumber: b.number,
        toIssueId: b.id,
        toState: b.state === "closed" ? "closed" : "open",
        verified: true,
      });
    }
  });
}

/**
 * Reads the other end of links no webhook has confirmed (a `Depends on` reference to an issue
 * the app has not seen), at most once each: unknown issues become "missing" or "unreadable".
 */
export async function verifyLinks(octokit: AppOctokit, deps: ReadDeps, project: Project): Promise<number> {
  const db = deps.database.db;
  const pending = await db
    .select()
    .from(issueLinks)
    .where(and(eq(issueLinks.projectId, project.id), eq(issueLinks.verified, false)));
  const targets = new Map<string, { toRepo: string; toNumber: number }>();
  for (const l of pending) targets.set(`${l.toRepo.toLowerCase()}#${l.toNumber}`, l);
  for (const t of targets.values()) {
    const [owner = "", repo = ""] = t.toRepo.split("/");
    let state: LinkState;
    let issueId: number | null = null;
    try {
      const { data } = await octokit.rest.issues.get({ owner, repo, issue_number: t.toNumber });
      state = data.state === "closed" ? "closed" : "open";
      issueId = data.id;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404 || status === 410) state = "missing";
      else if (status === 403 || status === 401) state = "unreadable";
      else throw error;
    }
    await db
      .update(issueLinks)
      .set({ toState: state, verified: true, ...(issueId ? { toIssueId: issueId } : {}) })
      .where(
        and(
          inArray(
            issueLinks.id,
            pending.filter((l) => l.toRepo.toLowerCase() === t.toRepo.toLowerCase() && l.toNumber === t.toNumber).map((l) => l.id),
          ),
        ),
      );
  }
  if (targets.size > 0) await markReconcileDue(db, project.id);
  return targets.size;
}
