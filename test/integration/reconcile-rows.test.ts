/**
 * "A reconcile is owed" is a row: a command marks its project due in its own transaction, the
 * reconcile worker converges it once for any number of marks, and a mark that comes while a
 * reconcile runs keeps the row due. Here the "command" marks due the way every real one does,
 * and the processor's handlers are a stand-in Probot.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import type { Probot } from "probot";
import { agents, issueLinks, outbox, owedReplies, projects, reconcileDue, tasks, webhookDeliveries } from "../../src/db/schema.js";
import { GITHUB_SCOPE, markReconcileDue, PLAN_SCOPE, PLAN_SPACING_MS, RECONCILE_CHANNEL } from "../../src/db/reconcile-due.js";
import { projectTransaction } from "../../src/core/commands/project-transaction.js";
import { runSlashCommand } from "../../src/core/commands/run-slash-command.js";
import { answerSlashCommands, recordReply, REPLY_MARKER } from "../../src/core/commands/command-replies.js";
import { loadProject } from "../../src/core/commands/project-repo.js";
import { issueFactsOf } from "../../src/core/issue-facts.js";
import { parseSlashCommands } from "../../src/core/slash-commands.js";
import { DEFAULT_REPO_CONFIG } from "../../src/core/repo-config.js";
import { storeDelivery } from "../../src/intake/store-delivery.js";
import { createProcessor } from "../../src/intake/processor.js";
import { createReconcileWorker } from "../../src/reconcile/reconcile-worker.js";
import { claimReconcile } from "../../src/reconcile/reconcile-queue.js";
import { createLogger } from "../../src/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

let database: TestDatabase;
let projectId: string;
beforeAll(async () => {
  database = await createTestDatabase();
});
beforeEach(async () => {
  await database.truncateAll();
  const [project] = await database.db
    .insert(projects)
    .values({ name: "octo/app", url: "https://github.com/octo/app.git", owner: "octo", repo: "app", installationId: 5, repositoryId: 77 })
    .returning();
  projectId = project!.id;
  // Issue #2 waits on #1, which is open: once reconciled, its task is blocked.
  await database.db.insert(tasks).values({ projectId, issueNumber: 2, name: "Second", status: "pending" });
  await database.db
    .insert(issueLinks)
    .values({ projectId, kind: "blocked_by", source: "body", fromNumber: 2, toRepo: "octo/app", toNumber: 1, toState: "open", verified: true });
});
afterAll(async () => database.close());

const log = createLogger("silent");
const taskStatus = async () => (await database.db.select({ status: tasks.status }).from(tasks).where(eq(tasks.issueNumber, 2)))[0]!.status;
const dueRows = () => database.db.select().from(reconcileDue).orderBy(asc(reconcileDue.scope));
/** A command: changes nothing here but owes its project a reconcile, as every command does. */
const command = () => projectTransaction(database.db, projectId, (tx) => markReconcileDue(tx, projectId));

describe("reconcile rows", () => {
  it("a command owes its project a reconcile in its own transaction; many marks are one row, converged once", async () => {
    for (let i = 0; i < 5; i++) await command();
    expect((await dueRows()).map((r) => [r.scope, r.generation])).toEqual([[PLAN_SCOPE, 5]]);
    expect(await taskStatus()).toBe("pending"); // nothing converged yet

    const worker = createReconcileWorker({ database, log });
    expect(await worker.drain()).toBe(1);
    expect(await taskStatus()).toBe("blocked");
    const label = await database.db.select().from(outbox);
    expect(label.map((r) => [r.operation, (r.payload as { label: string }).label])).toEqual([["set-status-label", "cw:blocked"]]);
    expect(await dueRows()).toEqual([]);
    expect(await worker.drain()).toBe(0);
  });

  it("a command that rolls back owes nothing", async () => {
    await projectTransaction(database.db, projectId, async (tx) => {
      await markReconcileDue(tx, projectId);
      throw new Error("the command failed");
    }).catch(() => {});
    expect(await dueRows()).toEqual([]);
  });

  it("a mark made while a reconcile runs keeps the row due, and it runs again", async () => {
    await command();
    // The worker claimed the row (its generation 1) …
    const claimed = await claimReconcile(database, [PLAN_SCOPE], 60, "owed");
    expect(claimed).toMatchObject({ projectId, scope: PLAN_SCOPE, generation: 1 });
    // … and before it takes the project's lock, another command marks the project again.
    await command();
    const worker = createReconcileWorker({ database, log });
    await (worker as unknown as { options: { handle(row: unknown): Promise<void> } }).options.handle(claimed);
    // The reconcile read generation 2 under the lock: everything owed is settled.
    expect(await dueRows()).toEqual([]);

    // A mark that lands after the reconcile read its generation (a write made without the lock)
    // leaves the row due: simulated by bumping it between the claim and the settle.
    await command();
    const again = await claimReconcile(database, [PLAN_SCOPE], 60, "owed");
    await projectTransaction(database.db, projectId, async (tx) => {
      const { dueGeneration, settleReconcile } = await import("../../src/db/reconcile-due.js");
      const seen = await dueGeneration(tx, projectId, PLAN_SCOPE);
      await tx.update(reconcileDue).set({ generation: 99 }).where(eq(reconcileDue.projectId, projectId));
      await settleReconcile(tx, again!, seen);
    });
    expect((await dueRows()).map((r) => [r.generation, r.lockedUntil])).toEqual([[99, null]]);
    expect(await worker.drain()).toBe(1);
    expect(await dueRows()).toEqual([]);
  });

  it("during a burst the next reconcile waits PLAN_SPACING_MS, which later marks do not undo; a mark asking for now is not spaced out", async () => {
    const { dueGeneration, settleReconcile } = await import("../../src/db/reconcile-due.js");
    /** A reconcile that a mark (`during`) overtakes between its read of the generation and its settle. */
    const overtaken = async (during: () => Promise<void>) => {
      const claimed = await claimReconcile(database, [PLAN_SCOPE], 60, "owed");
      expect(claimed).toBeDefined();
      const seen = await projectTransaction(database.db, projectId, (tx) => dueGeneration(tx, projectId, PLAN_SCOPE));
      await during();
      const settledAt = Date.now();
      await projectTransaction(database.db, projectId, (tx) => settleReconcile(tx, claimed!, seen));
      return settledAt;
    };

    await command();
    const settledAt = await overtaken(command);
    const [spaced] = await dueRows();
    expect(spaced!.dueAt.getTime()).toBeGreaterThanOrEqual(settledAt + PLAN_SPACING_MS - 50);
    // Not due yet: a worker looking for due rows finds none, even after more marks.
    await command();
    await command();
    expect((await dueRows())[0]!.dueAt.getTime()).toBe(spaced!.dueAt.getTime());
    expect(await claimReconcile(database, [PLAN_SCOPE], 60)).toBeUndefined();

    // A run ended (a mark with a time: now) while the next reconcile ran: not spaced out.
    await database.db.update(reconcileDue).set({ dueAt: new Date(Date.now() - 1_000) });
    await overtaken(() => markReconcileDue(database.db, projectId, PLAN_SCOPE, new Date()));
    const [urgent] = await dueRows();
    expect(urgent!.dueAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await claimReconcile(database, [PLAN_SCOPE], 60)).toMatchObject({ projectId, urgent: false });
  });

  it("a new row wakes the worker through NOTIFY; a row already due does not notify again", async () => {
    const heard: string[] = [];
    const unlisten = await database.listen(RECONCILE_CHANNEL, (payload) => heard.push(payload));
    try {
      await command();
      await until(() => heard.length === 1);
      await command();
      await command();
      await new Promise((r) => setTimeout(r, 200)); // a notification is delivered within this on both databases
      expect(heard).toHaveLength(1);
    } finally {
      await unlisten();
    }
  });

  it("a failing reconcile keeps the row, with its error, due again after a backoff", async () => {
    await command();
    // The reconcile's status change (#2 → blocked) fails in the database.
    await database.rows(`create or replace function cw_fail_update() returns trigger language plpgsql as $$ begin raise exception 'injected failure'; end $$`);
    await database.rows(`create trigger cw_fail before update on tasks for each row execute function cw_fail_update()`);
    // The backoff counts from the failure, which comes after this; at least 500 ms (its floor).
    const beforeFailure = Date.now();
    try {
      expect(await createReconcileWorker({ database, log }).drain()).toBe(1);
    } finally {
      await database.rows(`drop trigger cw_fail on tasks`);
    }
    const [row] = await dueRows();
    expect(row!.lastError).toContain("injected failure");
    expect(row!.lockedUntil).toBeNull();
    expect(row!.dueAt.getTime()).toBeGreaterThanOrEqual(beforeFailure + 500);
    expect(await taskStatus()).toBe("pending");
  });

  it("marks of several projects go in one statement, in a fixed order; a later time never postpones an earlier one", async () => {
    const [other] = await database.db
      .insert(projects)
      .values({ name: "octo/other", url: "https://github.com/octo/other.git", installationId: 5, repositoryId: 78 })
      .returning();
    await markReconcileDue(database.db, [other!.id, projectId, projectId]);
    expect((await dueRows()).map((r) => r.projectId).sort()).toEqual([projectId, other!.id].sort());
    await markReconcileDue(database.db, projectId, GITHUB_SCOPE);
    await markReconcileDue(database.db, projectId, GITHUB_SCOPE, new Date(Date.now() + 3_600_000));
    const github = (await dueRows()).find((r) => r.scope === GITHUB_SCOPE)!;
    expect(github.dueAt.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
  });
});

describe("replies to /cw commands", () => {
  /** A writer's comment on an issue, handled as the issue_comment handler does; returns each command's answer (null: owed). */
  async function comment(issueNumber: number, body: string): Promise<(string | null)[]> {
    const project = await loadProject(database.db, projectId);
    const issue = issueFactsOf({ number: issueNumber, id: 1000 + issueNumber, node_id: `I_${issueNumber}`, title: `Issue ${issueNumber}`, state: "open" });
    const parts = await answerSlashCommands(database.db, { project, issue, config: DEFAULT_REPO_CONFIG, by: "alice", commands: parseSlashCommands(body) });
    return parts.map((p) => p.reply);
  }
  const replies = async () =>
    (await database.db.select().from(outbox).where(eq(outbox.operation, "upsert-comment")))
      .map((r) => r.payload as { issueNumber: number; marker: string; body: string })
      .filter((p) => p.marker === REPLY_MARKER)
      .map((p) => [p.issueNumber, p.body]);
  const owed = () => database.db.select().from(owedReplies).orderBy(asc(owedReplies.seq));

  it("/cw status with nothing owed is answered at once, from what is stored", async () => {
    // Stored as pending, which the answer shows as ready (no reconcile owed: nothing blocks it).
    expect(await comment(2, "/cw status")).toEqual([expect.stringContaining("`cw:ready`")]);
    expect(await replies()).toEqual([[2, expect.stringMatching(/^@alice\n\n> \/cw status\n\n.*`cw:ready`/s)]]);
    expect(await owed()).toEqual([]);
  });

  it("/cw status asked while a reconcile is owed is answered by that reconcile, with the state it settles", async () => {
    await command();
    expect(await comment(2, "/cw status")).toEqual([null]);
    // Nothing is posted yet: the stored status (pending) is about to change.
    expect(await replies()).toEqual([]);
    expect(await owed()).toHaveLength(1);

    expect(await createReconcileWorker({ database, log }).drain()).toBe(1);
    expect(await taskStatus()).toBe("blocked");
    const [[issue, body]] = (await replies()) as [[number, string]];
    expect(issue).toBe(2);
    expect(body).toMatch(/^@alice\n\n> \/cw status\n\n/);
    expect(body).toContain("`cw:blocked`");
    expect(await owed()).toEqual([]);
    expect(await dueRows()).toEqual([]);
  });

  it("a comment with several commands keeps their answers in order; the status part is filled in by the reconcile", async () => {
    await command();
    expect(await comment(2, "/cw help\n/cw status")).toEqual([expect.stringContaining("/cw run"), null]);
    await createReconcileWorker({ database, log }).drain();
    const [[, body]] = (await replies()) as [[number, string]];
    const help = body.indexOf("> /cw help");
    const status = body.indexOf("> /cw status");
    expect(help).toBeGreaterThan(0);
    expect(status).toBeGreaterThan(help);
    expect(body.slice(status)).toContain("`cw:blocked`");
  });

  it("a later reply on an issue with one owed queues behind it, so the reply comment never goes back in time; other issues do not wait", async () => {
    await command();
    await comment(2, "/cw status");
    await comment(2, "/cw help");
    await comment(3, "/cw help");
    expect(await replies()).toEqual([[3, expect.stringContaining("> /cw help")]]);
    expect((await owed()).map((r) => r.parts.map((p) => [p.line, p.reply === null]))).toEqual([[["/cw status", true]], [["/cw help", false]]]);

    await createReconcileWorker({ database, log }).drain();
    const byIssue = new Map((await replies()) as [number, string][]);
    // Both replies of #2 were recorded in order, on its one reply comment: the later one stands.
    expect(byIssue.get(2)).toContain("> /cw help");
    expect(byIssue.get(2)).not.toContain("> /cw status");
    expect(await owed()).toEqual([]);
  });

  it("answers many owed statuses at once, each exactly as it would be answered alone: the latest agent, a wait for answers, the usage, no task", async () => {
    // #4 is at work: its latest agent stopped, an earlier one waits for answers; both ran at a cost.
    const [task] = await database.db.insert(tasks).values({ projectId, issueNumber: 4, name: "Fourth", status: "in_progress" }).returning();
    const agent = (name: string, status: "waiting_for_input" | "stopped", at: string, cost: string) => ({
      name,
      taskId: task!.id,
      worktreeId: `wt-${name}`,
      status,
      createdAt: new Date(at),
      startedAt: new Date(at),
      usage: { inputTokens: 1000, outputTokens: 200 },
      costUsd: cost,
    });
    await database.db
      .insert(agents)
      .values([agent("early-owl", "waiting_for_input", "2026-12-01T10:00:00Z", "0.5"), agent("late-lark", "stopped", "2026-12-01T11:00:00Z", "0.25")]);

    await command();
    for (const n of [4, 9, 2]) expect(await comment(n, "/cw status")).toEqual([null]);
    expect(await createReconcileWorker({ database, log }).drain()).toBe(1);
    const owedAnswers = new Map((await replies()) as [number, string][]);
    expect([...owedAnswers.keys()].sort()).toEqual([2, 4, 9]);

    // Nothing is owed now: the same questions are answered at once, one by one, from what is stored.
    for (const n of [4, 9, 2]) {
      const [alone] = await comment(n, "/cw status");
      expect(owedAnswers.get(n)).toBe(`@alice\n\n> /cw status\n\n${alone}`);
    }
    const four = owedAnswers.get(4)!;
    expect(four).toContain("an answer to the agent's questions");
    expect(four).toContain("`late-lark` (stopped since 2026-12-01T11:00:00.000Z)");
    expect(four).toMatch(/2 runs.*\$0\.75/);
    expect(owedAnswers.get(9)).toContain("There is no Codewalkers task on this issue");
    expect(owedAnswers.get(2)).toContain("`cw:blocked`");
  });

  it("a status owed when the reconcile settled just before the reply was recorded is not stranded: the project is due again", async () => {
    await command();
    const project = await loadProject(database.db, projectId);
    const issue = issueFactsOf({ number: 2, id: 1002, node_id: "I_2", title: "Issue 2", state: "open" });
    const [status] = parseSlashCommands("/cw status");
    const reply = await runSlashCommand(database.db, { project, issue, config: DEFAULT_REPO_CONFIG, command: status!, by: "alice" });
    expect(reply).toBeNull();
    // The reconcile runs between the command and its reply …
    await createReconcileWorker({ database, log }).drain();
    expect(await dueRows()).toEqual([]);
    await recordReply(database.db, { project, issueNumber: 2, isPullRequest: false, by: "alice", parts: [{ line: "/cw status", reply }] });
    // … so the owed reply asks for another one, which answers it.
    expect((await dueRows()).map((r) => r.scope)).toEqual([PLAN_SCOPE]);
    await createReconcileWorker({ database, log }).drain();
    expect((await replies()).map(([n]) => n)).toEqual([2]);
    expect(await owed()).toEqual([]);
  });
});

describe("the processor", () => {
  const store = (deliveryId: string) =>
    storeDelivery(database.db, {
      deliveryId,
      event: "issues",
      payload: { action: "edited", repository: { id: 77 }, installation: { id: 5 } },
      handled: true,
    });

  it("hands a repository's deliveries over as a batch; each command owes its reconcile; a failing delivery is retried on its own", async () => {
    for (const id of ["d1", "bad", "d2"]) await store(id);
    const processor = createProcessor({
      database,
      log,
      probot: {
        receive: async (event: { id: string }) => {
          if (event.id === "bad") throw new Error("GitHub said no");
          await command();
        },
      } as unknown as Probot,
    });
    expect(await processor.drain()).toBe(1); // one batch
    const rows = await database.db.select().from(webhookDeliveries).orderBy(asc(webhookDeliveries.seq));
    expect(rows.map((r) => [r.deliveryId, r.status, r.attempts])).toEqual([
      ["d1", "done", 1],
      ["bad", "pending", 1],
      ["d2", "done", 1],
    ]);
    expect(rows[1]!.error).toContain("GitHub said no");
    expect((await dueRows()).map((r) => [r.scope, r.generation])).toEqual([[PLAN_SCOPE, 2]]);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}
