/**
 * A change set's pages on real git (a bare repository plays GitHub) and a real database: the
 * runner's page commits (`runner/page-commits.ts`) when the push fails, and when the change set
 * fails (`apply-change-sets.ts`) before its pages land. A push the remote drops
 * for a reason that may pass (here its `receive.maxInputSize`, which makes it answer "unpacker
 * error": neither a moved branch nor a refusal for good) is counted and tried again after its
 * backoff; the last try gives the pages up, and the reconcile then says so in the change set's
 * comment; a try that lands clears the count. No test waits for the backoff: each "later" puts
 * the stored retry time in the past, as time passing would. A change set that failed writes
 * no pages: those still owed are withdrawn, and those a push landed as it failed are taken back.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { changeSets, initiatives, outbox, pages, projects, reconcileDue, tasks } from "../../src/db/schema.js";
import { applyChangeSets } from "../../src/core/commands/apply-change-sets.js";
import { recordChangeSet } from "../../src/core/commands/record-change-set.js";
import { revertCommand } from "../../src/core/commands/change-set-commands.js";
import { loadEntries } from "../../src/core/commands/change-set-rows.js";
import { recordFailure } from "../../src/github/change-set-entry-store.js";
import type { ProjectRow } from "../../src/core/commands/project-repo.js";
import { pageFile } from "../../src/core/change-set-text.js";
import { commitPendingPages, MAX_PAGE_ATTEMPTS, type PageCommitDeps } from "../../src/runner/page-commits.js";
import { createGitWorkspace, type GitWorkspace } from "../../src/runner/workspace/index.js";
import { createLogger } from "../../src/logger.js";
import { cleanupGitFixtures, cloneAndCommit, createBareRemote, git, makeTempDir, readFileAt, type BareRemote } from "../support/git-fixtures.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

const BRANCH = "cw/reports";
const PAGE = "docs/initiatives/reports/overview.md";
const TEXT = pageFile("Reports", "First draft.");

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
beforeEach(async () => database.truncateAll());
afterEach(cleanupGitFixtures);
afterAll(async () => database.close());

interface World {
  remote: BareRemote;
  project: ProjectRow;
  changeSetId: string;
  deps: PageCommitDeps;
}

/**
 * A repository whose initiative branch exists, and a planning agent's change set with one page
 * (and a phase, when `withPhase`), recorded as a plan's is (applying: its pages are owed).
 */
async function world(options: { withPhase?: boolean } = {}): Promise<World> {
  const remote = await createBareRemote({ files: { "README.md": "# Shop\n" } });
  await cloneAndCommit(remote, BRANCH, { "notes.md": "The initiative's branch.\n" }, "initiative");
  const db = database.db;
  const [project] = await db
    .insert(projects)
    .values({ name: "acme/shop", url: remote.url, owner: "acme", repo: "shop", installationId: 7, repositoryId: 70 })
    .returning();
  const [initiative] = await db.insert(initiatives).values({ name: "Reports", branch: BRANCH, projectId: project!.id, milestoneNumber: 1 }).returning();
  const [planning] = await db
    .insert(tasks)
    .values({ name: "Plan it", projectId: project!.id, initiativeId: initiative!.id, issueNumber: 5, triggeredBy: "alice" })
    .returning();
  const { id } = await db.transaction((tx) =>
    recordChangeSet(tx, {
      project: project!,
      task: planning!,
      agentId: null,
      agentName: "planner",
      mode: "plan",
      plan: {
        phases: options.withPhase ? [{ key: "p", title: "Exports", body: "", dependsOn: [] }] : [],
        tasks: [],
        edits: [],
        pages: [{ path: "overview.md", title: "Reports", body: "First draft." }],
      },
      summary: "A page.",
    }),
  );
  const workDir = await makeTempDir("cw-pages-work-");
  const deps: PageCommitDeps = {
    database,
    workspace: createGitWorkspace({ workDir }),
    log: createLogger("silent"),
    workDir,
    // A file:// remote takes no token.
    tokenFor: () => Promise.reject(new Error("no token for a local remote")),
  };
  return { remote, project: project!, changeSetId: id, deps };
}

/** The remote drops every push that carries objects ("unpacker error"), or takes them again. */
async function remoteDropsPushes(remote: BareRemote, drops: boolean): Promise<void> {
  await git(remote.path, drops ? ["config", "receive.maxInputSize", "1"] : ["config", "--unset", "receive.maxInputSize"]);
}

async function changeSet(id: string) {
  const [row] = await database.db.select().from(changeSets).where(eq(changeSets.id, id));
  if (!row) throw new Error(`no change set ${id}`);
  return row;
}

/** The backoff has run out: the next round may try again (as if its time had come). */
async function backoffElapses(id: string): Promise<void> {
  await database.db.update(changeSets).set({ pagesRetryAt: sql`now() - interval '1 second'` }).where(eq(changeSets.id, id));
}

/** The stored retry time is within the backoff of the `attempts`-th failure (full jitter: half to all of it), counted from the try. */
function expectRetryAfter(retryAt: Date | null, attempts: number, triedFrom: number, triedUntil: number): void {
  const ceiling = Math.min(5 * 60_000, 10_000 * 2 ** (attempts - 1));
  expect(retryAt).not.toBeNull();
  expect(retryAt!.getTime()).toBeGreaterThanOrEqual(triedFrom + ceiling / 2);
  expect(retryAt!.getTime()).toBeLessThanOrEqual(triedUntil + ceiling);
}

/** One round of the runner's page commits; the moments around it bound the retry time it stores. */
async function round(w: World): Promise<{ done: number; from: number; until: number }> {
  const from = Date.now();
  const done = await commitPendingPages(w.deps);
  return { done, from, until: Date.now() };
}

describe("page commits that fail", () => {
  it("a push the remote drops is tried again after its backoff, not before; the try that lands writes the pages and clears the count", async () => {
    const w = await world();
    await remoteDropsPushes(w.remote, true);

    const first = await round(w);
    expect(first.done).toBe(0);
    let cs = await changeSet(w.changeSetId);
    expect(cs).toMatchObject({ pagesState: "write", pagesAttempts: 1, failure: null });
    expectRetryAfter(cs.pagesRetryAt, 1, first.from, first.until);
    expect(await readFileAt(w.remote, BRANCH, PAGE)).toBeUndefined();

    // Before its time it is not tried: the count stays.
    expect((await round(w)).done).toBe(0);
    expect(await changeSet(w.changeSetId)).toMatchObject({ pagesState: "write", pagesAttempts: 1, pagesRetryAt: cs.pagesRetryAt });

    await backoffElapses(w.changeSetId);
    const second = await round(w);
    expect(second.done).toBe(0);
    cs = await changeSet(w.changeSetId);
    expect(cs).toMatchObject({ pagesState: "write", pagesAttempts: 2, failure: null });
    expectRetryAfter(cs.pagesRetryAt, 2, second.from, second.until);

    await remoteDropsPushes(w.remote, false);
    await backoffElapses(w.changeSetId);
    expect((await round(w)).done).toBe(1);
    expect(await changeSet(w.changeSetId)).toMatchObject({ pagesState: "written", pagesAttempts: 0, pagesRetryAt: null, failure: null });
    expect(await readFileAt(w.remote, BRANCH, PAGE)).toBe(TEXT);
    const [page] = await database.db.select().from(pages).where(eq(pages.path, PAGE));
    expect(page).toMatchObject({ content: TEXT, changeSetId: w.changeSetId, blobSha: await git(w.remote.path, ["rev-parse", `${BRANCH}:${PAGE}`]) });
  });

  it(`after ${MAX_PAGE_ATTEMPTS} failed tries the pages are given up, with the reason; the reconcile ends the change set failed and its comment says why`, async () => {
    const w = await world();
    await remoteDropsPushes(w.remote, true);

    for (let attempt = 1; attempt < MAX_PAGE_ATTEMPTS; attempt++) {
      await backoffElapses(w.changeSetId);
      expect((await round(w)).done).toBe(0);
      expect(await changeSet(w.changeSetId)).toMatchObject({ pagesState: "write", pagesAttempts: attempt, failure: null });
    }
    await database.db.delete(reconcileDue);
    await backoffElapses(w.changeSetId);
    expect((await round(w)).done).toBe(0);

    const cs = await changeSet(w.changeSetId);
    expect(cs).toMatchObject({ status: "applying", pagesState: "failed", pagesAttempts: MAX_PAGE_ATTEMPTS, pagesRetryAt: null });
    expect(cs.failure).toMatch(new RegExp(`^its pages could not be committed to \`${BRANCH}\` \\(${MAX_PAGE_ATTEMPTS} tries\\): git .*push.*unpacker error`));
    // The reconcile is owed at once, to end the change set.
    expect((await database.db.select().from(reconcileDue)).map((r) => r.projectId)).toEqual([w.project.id]);

    // Given up: no round tries again.
    await backoffElapses(w.changeSetId);
    await remoteDropsPushes(w.remote, false);
    expect((await round(w)).done).toBe(0);
    expect(await readFileAt(w.remote, BRANCH, PAGE)).toBeUndefined();

    await database.db.delete(outbox);
    await database.db.transaction((tx) => applyChangeSets(tx, w.project));
    const ended = await changeSet(w.changeSetId);
    expect(ended.status).toBe("failed");
    expect(ended.failure).toBe(cs.failure);
    const comments = (await database.db.select().from(outbox)).map((r) => r.payload as { kind: string; issueNumber: number; body: string });
    expect(comments.map((c) => [c.kind, c.issueNumber])).toEqual([["upsert-comment", 5]]);
    expect(comments[0]!.body).toContain(`its pages could not be committed to \`${BRANCH}\` (${MAX_PAGE_ATTEMPTS} tries)`);
  });

  it("a revert's removal is never given up: past the last try it waits at most the longest backoff, and lands once the remote takes it", async () => {
    const w = await world();
    expect((await round(w)).done).toBe(1);
    expect(await readFileAt(w.remote, BRANCH, PAGE)).toBe(TEXT);
    // As `/cw revert` asks for it.
    await database.db.update(changeSets).set({ status: "reverted", pagesState: "remove" }).where(eq(changeSets.id, w.changeSetId));
    await remoteDropsPushes(w.remote, true);

    let last = { done: 0, from: 0, until: 0 };
    for (let attempt = 1; attempt <= MAX_PAGE_ATTEMPTS + 1; attempt++) {
      await backoffElapses(w.changeSetId);
      last = await round(w);
      expect(last.done).toBe(0);
      expect(await changeSet(w.changeSetId)).toMatchObject({ pagesState: "remove", pagesAttempts: attempt, failure: null });
    }
    expectRetryAfter((await changeSet(w.changeSetId)).pagesRetryAt, MAX_PAGE_ATTEMPTS + 1, last.from, last.until);
    expect(await readFileAt(w.remote, BRANCH, PAGE)).toBe(TEXT);

    await remoteDropsPushes(w.remote, false);
    await backoffElapses(w.changeSetId);
    expect((await round(w)).done).toBe(1);
    expect(await changeSet(w.changeSetId)).toMatchObject({ pagesState: "removed", pagesAttempts: 0, pagesRetryAt: null });
    expect(await readFileAt(w.remote, BRANCH, PAGE)).toBeUndefined();
    expect(await database.db.select().from(pages)).toEqual([]);
  });
});

/** GitHub refused the phase's creation for good: the outbox's dead letter, recorded on its entry as the worker does. */
async function phaseRefused(w: World): Promise<void> {
  const phase = (await loadEntries(database.db, w.changeSetId)).find((e) => e.row.key === "p")!;
  await recordFailure(
    database.db,
    {
      kind: "create-planned-issue",
      repo: { owner: "acme", repo: "shop", installationId: 7 },
      entryId: phase.row.id,
      marker: "<!-- marker -->",
      title: "Exports",
      body: "",
      labels: [],
      milestone: 1,
    },
    "permanent 422: Validation Failed",
  );
}

const reconcile = (w: World) => database.db.transaction((tx) => applyChangeSets(tx, w.project));

describe("a change set that failed", () => {
  it("writes no pages: those still owed are withdrawn, no round commits them, and its revert has none to remove", async () => {
    const w = await world({ withPhase: true });
    const initiativeHead = await git(w.remote.path, ["rev-parse", BRANCH]);
    await phaseRefused(w);
    await reconcile(w);
    expect(await changeSet(w.changeSetId)).toMatchObject({ status: "failed", pagesState: "none" });
    expect((await changeSet(w.changeSetId)).failure).toContain("could not create it (permanent 422");

    expect((await round(w)).done).toBe(0);
    expect(await git(w.remote.path, ["rev-parse", BRANCH])).toBe(initiativeHead);
    expect(await database.db.select().from(pages)).toEqual([]);

    const reply = await database.db.transaction((tx) =>
      revertCommand(
        tx,
        w.project,
        {
          number: 5,
          id: 5005,
          nodeId: "I_5",
          title: "Plan it",
          body: null,
          state: "open",
          stateReason: null,
          labels: [],
          milestone: null,
          isPullRequest: false,
          updatedAt: null,
        },
        w.changeSetId,
        "alice",
      ),
    );
    expect(reply).toBe([`Reverting change set \`${w.changeSetId}\`:`, "- 1 planned issue was never created: nothing to undo there"].join("\n"));
    expect(await changeSet(w.changeSetId)).toMatchObject({ status: "reverted", pagesState: "none" });
    expect((await round(w)).done).toBe(0);
    expect(await git(w.remote.path, ["rev-parse", BRANCH])).toBe(initiativeHead);
  });

  it("as its pages are being pushed: what the push landed is taken back by the next round", async () => {
    const w = await world({ withPhase: true });
    await phaseRefused(w);
    // The reconcile ends the change set while the runner's round is between its commit and its push.
    const real = w.deps.workspace;
    const racing: GitWorkspace = {
      ...real,
      pushBranch: async (input) => {
        await reconcile(w);
        return real.pushBranch(input);
      },
    };
    expect(await commitPendingPages({ ...w.deps, workspace: racing })).toBe(1);
    expect(await readFileAt(w.remote, BRANCH, PAGE)).toBe(TEXT);
    expect(await changeSet(w.changeSetId)).toMatchObject({ status: "failed", pagesState: "remove" });

    expect((await round(w)).done).toBe(1);
    expect(await changeSet(w.changeSetId)).toMatchObject({ status: "failed", pagesState: "removed" });
    expect(await readFileAt(w.remote, BRANCH, PAGE)).toBeUndefined();
    expect(await database.db.select().from(pages)).toEqual([]);
  });
});
