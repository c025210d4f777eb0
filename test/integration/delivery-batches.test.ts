/**
 * A repository's batch of deliveries in one transaction (intake/one-transaction.ts), on both
 * drivers: the app boots it on PostgreSQL only (PGlite's one connection must stay free for the
 * intake), so these tests make a processor with the app's services themselves.
 */
import { randomUUID } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { projects, pullRequests, reconcileDue, tasks, webhookDeliveries } from "../../src/db/schema.js";
import { createProcessor } from "../../src/intake/processor.js";
import { storeDelivery } from "../../src/intake/store-delivery.js";
import { holdingProjectLock, projectTransaction } from "../../src/core/commands/project-transaction.js";
import { markOthersDue } from "../../src/core/commands/mark-others-due.js";
import { markReconcileDue, PLAN_SCOPE, planReconcileOwed } from "../../src/db/reconcile-due.js";
import { sendWithoutWaiting } from "../../src/db/held-lock.js";
import { deliveryBatchesTotal } from "../../src/server/metrics.js";
import { useBootedApp } from "../support/boot.js";
import { FakeGitHub } from "../support/fake-github/index.js";
import { install, statusOf } from "../support/flows.js";
import { testLog } from "../support/github-app.js";
import { examplePayload } from "../support/fixtures.js";
import { FULL_NAME, issuesPayload, labeledPayload, OWNER, REPO, WRITER } from "../support/payloads.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const booted = useBootedApp();

const PERMISSION_ROUTE = "GET /repos/{owner}/{repo}/collaborators/{username}/permission";

function batchingProcessor() {
  return createProcessor({ database: booted.database, probot: booted.app.probot, log: testLog, services: booted.app.services });
}

async function batches(): Promise<Record<string, number>> {
  const { values } = await deliveryBatchesTotal.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.path), v.value]));
}

/** The batches each path took while `fn` ran. */
async function countBatches(fn: () => Promise<unknown>): Promise<{ oneTransaction: number; oneByOne: number }> {
  const before = await batches();
  await fn();
  const after = await batches();
  const delta = (path: string) => (after[path] ?? 0) - (before[path] ?? 0);
  return { oneTransaction: delta("one-transaction"), oneByOne: delta("one-by-one") };
}

/** Forgets what the app remembers of GitHub's answers: the next batch has to ask. */
function forgetGitHubAnswers(): void {
  booted.app.services.repoConfig.forget(FULL_NAME);
  booted.app.services.permissions.forget(OWNER, REPO);
}

async function deliveryRows() {
  return booted.database.db.select().from(webhookDeliveries).orderBy(asc(webhookDeliveries.seq));
}

describe("a repository's batch of deliveries in one transaction", () => {
  it("handles a writer's burst in one transaction, asking GitHub between attempts only what it did not remember", async () => {
    const fake = new FakeGitHub();
    await install(booted, fake);
    forgetGitHubAnswers();
    const first = fake.openIssue({ title: "First", labels: ["cw:run"] }, WRITER);
    const second = fake.openIssue({ title: "Second", body: `Depends on #${first}`, labels: ["cw:run"] }, WRITER);
    fake.editIssue(first, { title: "First, renamed" }, WRITER);
    fake.comment(second, "/cw status", WRITER);
    await fake.deliver(booted.app.port);
    const stored = (await deliveryRows()).filter((r) => r.status === "pending");
    expect(stored.length).toBeGreaterThanOrEqual(4);
    fake.resetCounts();

    const processor = batchingProcessor();
    const paths = await countBatches(() => processor.drain());

    expect(paths).toEqual({ oneTransaction: 1, oneByOne: 0 });
    // Every delivery done, with what it changed.
    const after = new Map((await deliveryRows()).map((r) => [r.seq, r.status]));
    expect(stored.map((r) => after.get(r.seq))).toEqual(stored.map(() => "done"));
    const rows = await booted.database.db.select().from(tasks).orderBy(asc(tasks.issueNumber));
    expect(rows.map((t) => [t.issueNumber, t.name])).toEqual([
      [first, "First, renamed"],
      [second, "Second"],
    ]);
    // The writer's permission was asked once, outside the transaction, as one delivery at a
    // time would have asked it; nothing was written to GitHub by the handlers themselves.
    const counts = fake.counts();
    expect(counts.byRoute[PERMISSION_ROUTE]).toBe(1);
    expect(counts.writes).toBe(0);

    // The rest of the pipeline sees what a batch of its own would have left.
    await fake.converge(booted.app.port, booted.settle);
    expect(statusOf(fake, first)).toEqual(["cw:ready"]);
    expect(statusOf(fake, second)).toEqual(["cw:blocked"]);
    expect(fake.commentsOn(second).at(-1)?.body).toContain("blocked");
  });

  it("a failing delivery undoes the attempt: the batch is handled one at a time, the failure waits for its retry, the rest is done once", async () => {
    const fake = new FakeGitHub();
    await install(booted, fake);
    const label = (number: number) => labeledPayload({ number, title: `Issue ${number}`, labels: ["cw:run"] }, "cw:run", WRITER);
    const broken = { ...label(2), issue: null }; // the handler throws reading it
    for (const payload of [label(1), broken, label(3)]) {
      await storeDelivery(booted.database.db, { deliveryId: randomUUID(), event: "issues", payload, handled: true });
    }

    const processor = batchingProcessor();
    const paths = await countBatches(() => processor.drain());

    expect(paths).toEqual({ oneTransaction: 0, oneByOne: 1 });
    const rows = await deliveryRows();
    const mine = rows.slice(-3);
    expect(mine.map((r) => [r.status, r.attempts])).toEqual([
      ["done", 1],
      ["pending", 1],
      ["done", 1],
    ]);
    expect(mine[1]!.error).toMatch(/TypeError/);
    const created = await booted.database.db.select({ n: tasks.issueNumber }).from(tasks).orderBy(asc(tasks.issueNumber));
    expect(created.map((t) => t.n)).toEqual([1, 3]);
  });

  it("a handler's own GitHub request is never made inside the transaction: the batch goes one at a time, where it is made once", async () => {
    const fake = new FakeGitHub();
    await install(booted, fake);
    const db = booted.database.db;
    const [project] = await db.select({ id: projects.id }).from(projects);
    // One of the app's pull requests, on which a writer requests changes: the handler reads the
    // review's line comments from GitHub itself.
    await db.insert(pullRequests).values({ projectId: project!.id, kind: "phase", subjectId: "phase-1", head: "cw/phase-1", base: "cw/initiative", number: 7 });
    const envelope = issuesPayload("opened", { number: 7 }, WRITER);
    const example = examplePayload<{ review: Record<string, unknown>; pull_request: Record<string, unknown> }>("pull_request_review", "submitted");
    const payload = {
      ...example,
      review: { ...example.review, state: "changes_requested" },
      pull_request: { ...example.pull_request, number: 7 },
      repository: envelope.repository,
      installation: envelope.installation,
      sender: envelope.sender,
    };
    await storeDelivery(db, { deliveryId: randomUUID(), event: "pull_request_review", payload, handled: true });
    fake.resetCounts();

    const paths = await countBatches(() => batchingProcessor().drain());

    expect(paths).toEqual({ oneTransaction: 0, oneByOne: 1 });
    const reads = fake.requests.filter((r) => r.route.endsWith("/reviews/{review_id}/comments"));
    expect(reads).toHaveLength(1);
  });
});

describe("a transaction that holds a project's lock", () => {
  async function twoProjects(): Promise<[string, string]> {
    const fake = new FakeGitHub({ repositories: [{}, {}] });
    await install(booted, fake);
    const rows = await booted.database.db.select({ id: projects.id }).from(projects).orderBy(asc(projects.repositoryId));
    expect(rows).toHaveLength(2);
    return [rows[0]!.id, rows[1]!.id];
  }

  it("runs the commands of its project in itself, refuses another project's, and marks other projects due only once committed", async () => {
    const [mine, other] = await twoProjects();
    await booted.database.db.delete(reconcileDue);
    const db = booted.database.db;

    const otherDueInside: unknown[] = [];
    const { result, othersDue } = await holdingProjectLock(db, mine, async (tx) => {
      const inner = await projectTransaction(tx as unknown as typeof db, mine, async (innerTx) => innerTx);
      await expect(projectTransaction(tx as unknown as typeof db, other, async () => "ran")).rejects.toThrow(/cannot take project/);
      await markOthersDue(tx as unknown as typeof db, [other, mine], mine);
      otherDueInside.push(...(await tx.select().from(reconcileDue).where(eq(reconcileDue.projectId, other))));
      return inner === tx;
    });

    expect(result).toBe(true);
    expect(otherDueInside).toEqual([]);
    expect(othersDue).toEqual([other]);
  });

  it("marks its project due once for all its commands, just before it commits; asked inside, the project is owed one", async () => {
    const [mine, other] = await twoProjects();
    const db = booted.database.db;
    await db.delete(reconcileDue);
    const command = (tx: unknown) => projectTransaction(tx as typeof db, mine, (inner) => markReconcileDue(inner, mine));
    const rowsOf = async (tx: typeof db | unknown) =>
      (await (tx as typeof db).select().from(reconcileDue).orderBy(asc(reconcileDue.projectId))).map((r) => [r.projectId, r.scope, r.generation]);

    const { result } = await holdingProjectLock(db, mine, async (tx) => {
      for (let i = 0; i < 3; i++) await command(tx);
      // Another project's mark, or another scope, is never held back.
      await markReconcileDue(tx, other);
      const inside = await rowsOf(tx);
      // `/cw status` asks whether a reconcile is owed: it is, though its row is not made yet.
      const owed = await planReconcileOwed(tx, mine);
      const otherOwed = await planReconcileOwed(tx, other);
      return { inside, owed, otherOwed };
    });

    expect(result).toEqual({ inside: [[other, PLAN_SCOPE, 1]], owed: true, otherOwed: true });
    // The three commands' mark was made at the commit: one generation, not three.
    const expected = [
      [mine, PLAN_SCOPE, 1],
      [other, PLAN_SCOPE, 1],
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(await rowsOf(db)).toEqual(expected);
  });

  it("sends statements nobody waits for ahead of the next ones, which see what they wrote; the first that fails is the transaction's failure", async () => {
    const [mine] = await twoProjects();
    const db = booted.database.db;
    const rename = (tx: typeof db, name: string) => tx.update(projects).set({ name }).where(eq(projects.id, mine)).execute();
    const nameNow = async () => (await db.select({ name: projects.name }).from(projects).where(eq(projects.id, mine)))[0]!.name;

    const { result } = await holdingProjectLock(db, mine, async (tx) => {
      await sendWithoutWaiting(tx, rename(tx as unknown as typeof db, "octo/renamed"));
      const [row] = await tx.select({ name: projects.name }).from(projects).where(eq(projects.id, mine));
      return row!.name;
    });
    expect(result).toBe("octo/renamed");

    // A second project with the same name breaks a unique index: the later statement fails
    // only because that one did, and the failure reported is the first one's.
    const duplicate = (tx: typeof db) => tx.insert(projects).values({ name: "octo/renamed", url: "https://github.com/octo/copy.git" }).execute();
    await expect(
      holdingProjectLock(db, mine, async (tx) => {
        await sendWithoutWaiting(tx, duplicate(tx as unknown as typeof db));
        await rename(tx as unknown as typeof db, "octo/after");
      }),
    ).rejects.toThrow(/insert into "projects"/);
    expect(await nameNow()).toBe("octo/renamed");
    // Anywhere else it is waited for at once.
    await expect(sendWithoutWaiting(db, duplicate(db))).rejects.toThrow(/insert into "projects"/);
  });

  it("keeps nothing of a failed attempt", async () => {
    const [mine] = await twoProjects();
    const db = booted.database.db;
    await expect(
      holdingProjectLock(db, mine, async (tx) => {
        await projectTransaction(tx as unknown as typeof db, mine, (inner) =>
          inner.update(projects).set({ name: "changed/inside" }).where(eq(projects.id, mine)),
        );
        throw new Error("a later delivery failed");
      }),
    ).rejects.toThrow("a later delivery failed");
    const [row] = await db.select({ name: projects.name }).from(projects).where(eq(projects.id, mine));
    expect(row!.name).not.toBe("changed/inside");
  });
});
