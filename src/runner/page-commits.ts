/**
 * A change set's pages, on the initiative branch, through the runner's git (never the contents
 * API: the runner already holds the branch, and one commit carries every page of the change
 * set). Written when the change set is applied (`pages_state = 'write'`), removed in one commit
 * when it is reverted (`'remove'`; a page the change set overwrote gets its earlier text back).
 *
 * Each dispatch round does what is owed. Writing the same files again commits nothing, so a
 * round that dies after its push and before its database write only repeats harmlessly; a push
 * that meets a moved branch (a task merged meanwhile) is tried again next round.
 *
 * A write that fails is tried again with backoff; after `MAX_PAGE_ATTEMPTS` failures, or at once
 * when the remote refuses the push for good (a protected branch, a rule), the pages are given up
 * (`pages_state = 'failed'`, the reason in `failure`) and the reconcile ends the change set as
 * failed. A removal (a revert's) is tried again for as long as it takes.
 *
 * A change set that fails for another reason while its pages are owed has them withdrawn
 * (`'none'`, by the reconcile): none are written. A push already under way then lands all the
 * same, and its round asks for their removal.
 */
import { createHash } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { and, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { changeSets, initiatives, pages, projects } from "../db/schema.js";
import { markReconcileDue } from "../db/reconcile-due.js";
import type { Logger } from "../logger.js";
import { pageFile } from "../core/change-set-text.js";
import { loadEntries, pagesFolderOf, type ChangeSetRow } from "../core/commands/change-set-rows.js";
import { repoConfigOf } from "../core/commands/project-repo.js";
import { backoffMs } from "../lib/backoff.js";
import { PushRefusedError } from "./workspace/push-refusal.js";
import type { GitWorkspace } from "./workspace/index.js";
import type { GitAuthor, RepoRef } from "./workspace/types.js";

export interface PageCommitDeps {
  database: Database;
  workspace: GitWorkspace;
  log: Logger;
  workDir: string;
  tokenFor(installationId: number): Promise<string>;
}

const AUTHOR: GitAuthor = { name: "Codewalkers", email: "codewalkers@users.noreply.github.com" };

/** Failed tries at writing a change set's pages before they are given up (about ten minutes of backoff in all). */
export const MAX_PAGE_ATTEMPTS = 8;

/** Writes or removes the pages of every change set that owes it; returns how many were done. */
export async function commitPendingPages(deps: PageCommitDeps): Promise<number> {
  const db = deps.database.db;
  const owed = await db
    .select()
    .from(changeSets)
    .where(and(inArray(changeSets.pagesState, ["write", "remove"]), or(isNull(changeSets.pagesRetryAt), lte(changeSets.pagesRetryAt, sql`now()`))));
  let done = 0;
  for (const cs of owed) {
    try {
      if (await commitPages(deps, cs)) done++;
    } catch (error) {
      deps.log.warn({ err: error, changeSet: cs.id }, "could not commit the change set's pages");
      await pagesFailed(deps, cs, error);
    }
  }
  return done;
}

/** One more failed try: again later, or, for a write, given up (for good at once when the remote refuses it). */
async function pagesFailed(deps: PageCommitDeps, cs: ChangeSetRow, error: unknown): Promise<void> {
  const attempts = cs.pagesAttempts + 1;
  const giveUp = cs.pagesState === "write" && (error instanceof PushRefusedError || attempts >= MAX_PAGE_ATTEMPTS);
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").slice(0, 400);
  const [initiative] = await deps.database.db.select({ branch: initiatives.branch }).from(initiatives).where(eq(initiatives.id, cs.initiativeId));
  const where = initiative?.branch ? `\`${initiative.branch}\`` : "the initiative branch";
  await deps.database.db.transaction(async (tx) => {
    const [changed] = await tx
      .update(changeSets)
      .set(
        giveUp
          ? {
              pagesState: "failed",
              pagesAttempts: attempts,
              pagesRetryAt: null,
              failure: `its pages could not be committed to ${where} (${attempts} tr${attempts === 1 ? "y" : "ies"}): ${message}`,
            }
          : { pagesAttempts: attempts, pagesRetryAt: new Date(Date.now() + backoffMs(attempts, 10_000, 5 * 60_000)) },
      )
      .where(and(eq(changeSets.id, cs.id), eq(changeSets.pagesState, cs.pagesState)))
      .returning({ projectId: changeSets.projectId });
    if (giveUp && changed?.projectId) await markReconcileDue(tx, changed.projectId);
  });
}

async function commitPages(deps: PageCommitDeps, cs: ChangeSetRow): Promise<boolean> {
  const db = deps.database.db;
  const [project] = cs.projectId ? await db.select().from(projects).where(eq(projects.id, cs.projectId)) : [];
  const [initiative] = await db.select().from(initiatives).where(eq(initiatives.id, cs.initiativeId));
  if (!project || !initiative?.branch) return false;
  const folder = pagesFolderOf(repoConfigOf(project), initiative);
  const writing = cs.pagesState === "write";
  const files = (await loadEntries(db, cs.id)).flatMap((e) => {
    if (e.state.kind !== "page") return [];
    const previous = e.row.previousState ? (JSON.parse(e.row.previousState) as { content: string | null }).content : null;
    const text = writing ? pageFile(e.state.title, e.state.body) : previous;
    return [{ rel: `${folder}/${e.state.path}`, title: e.state.title, text }];
  });

  const repo: RepoRef = { owner: project.owner ?? "", name: project.repo ?? "", cloneUrl: project.url };
  const token = /^https?:\/\//.test(project.url) ? await deps.tokenFor(project.installationId ?? 0) : undefined;
  const auth = token ? { token } : {};
  const worktree = path.join(deps.workDir, "worktrees", `pages-${cs.id}`);
  await deps.workspace.ensureRemoteBranch({ repo, branch: initiative.branch, from: project.defaultBranch, ...auth });
  const tree = await deps.workspace.addWorktree({ repo, branch: initiative.branch, base: project.defaultBranch, path: worktree, ...auth });
  try {
    for (const f of files) {
      const target = path.join(tree.path, f.rel);
      if (f.text === null) await rm(target, { force: true });
      else {
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, f.text, "utf8");
      }
    }
    const verb = writing ? "Add" : "Remove";
    const commit = await deps.workspace.commitAll({
      path: tree.path,
      message: `${verb} the pages of change set ${cs.id}${cs.issueNumber ? `\n\nRefs #${cs.issueNumber}` : ""}`,
      author: AUTHOR,
    });
    if (commit.sha !== tree.headSha) {
      const pushed = await deps.workspace.pushBranch({ repo, path: tree.path, branch: initiative.branch, ...auth });
      if (!pushed.pushed) return false;
    }
  } finally {
    await deps.workspace.removeWorktree(worktree).catch(() => {});
  }

  await db.transaction(async (tx) => {
    for (const f of files) {
      const [row] = await tx
        .select({ id: pages.id })
        .from(pages)
        .where(and(eq(pages.initiativeId, initiative.id), eq(pages.path, f.rel)));
      if (f.text === null) {
        if (row) await tx.delete(pages).where(eq(pages.id, row.id));
      } else if (row) {
        await tx
          .update(pages)
          .set({ title: f.title, content: f.text, blobSha: blobSha(f.text), changeSetId: cs.id })
          .where(eq(pages.id, row.id));
      } else {
        await tx
          .insert(pages)
          .values({ initiativeId: initiative.id, title: f.title, content: f.text, path: f.rel, blobSha: blobSha(f.text), changeSetId: cs.id });
      }
    }
    // A revert meanwhile asked for the removal: it comes next round, and finds these rows.
    const [recorded] = await tx
      .update(changeSets)
      .set({ pagesState: writing ? "written" : "removed", pagesAttempts: 0, pagesRetryAt: null })
      .where(and(eq(changeSets.id, cs.id), eq(changeSets.pagesState, cs.pagesState)))
      .returning({ id: changeSets.id });
    // The change set failed while these pages were pushed, which withdrew them (`none`): a
    // failed change set writes no pages, so what landed is taken back next round.
    if (!recorded && writing)
      await tx
        .update(changeSets)
        .set({ pagesState: "remove", pagesAttempts: 0, pagesRetryAt: null })
        .where(and(eq(changeSets.id, cs.id), eq(changeSets.pagesState, "none")));
    await markReconcileDue(tx, project.id);
  });
  return true;
}

/** The sha git gives the file's blob: what GitHub shows for it. */
function blobSha(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}
