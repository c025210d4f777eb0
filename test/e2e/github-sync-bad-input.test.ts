/**
 * The GitHub-sync issue's bad inputs, each driven through signed webhooks and the fake GitHub:
 * replays, reordering, bursts, missing and unreadable dependencies, deleted milestones,
 * transferred issues, invalid config, huge comments, and GitHub failing.
 */
import { describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { initiatives, installationHolds, outbox, projects, tasks } from "../../src/db/schema.js";
import { useBootedApp } from "../support/boot.js";
import { FakeGitHub } from "../support/fake-github/index.js";
import { postDelivery } from "../support/github-app.js";
import { WRITER } from "../support/payloads.js";
import { install, statusOf } from "../support/flows.js";
import { github, useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const booted = useBootedApp();

const converge = (fake: FakeGitHub) => fake.converge(booted.app.port, booted.settle);

const installed = (fake: FakeGitHub) => install(booted, fake);

/**
 * The time GitHub asked to wait has passed: every waiting outbox row is runnable now, and the
 * installation's rate-limit hold (kept in the database for every app process) and the pacer's
 * have run out.
 */
async function hurryOutbox() {
  await booted.database.db
    .update(outbox)
    .set({ runAfter: new Date(0) })
    .where(eq(outbox.status, "pending"));
  await booted.database.db.update(installationHolds).set({ until: new Date(0) });
  booted.pacer.reset();
}

describe("bad input for the GitHub sync", () => {
  it("a replayed delivery changes nothing", async () => {
    const fake = new FakeGitHub();
    await installed(fake);
    const n = fake.openIssue({ title: "Task", labels: ["cw:run"] }, WRITER);
    const queued = [...fake.pendingWebhooks];
    await converge(fake);
    const before = fake.counts().writes;
    for (const w of queued) {
      const res = await postDelivery(booted.app.port, w.event, w.payload, { deliveryId: w.deliveryId });
      expect(res.body.status).toBe("duplicate");
    }
    await converge(fake);
    expect(fake.counts().writes).toBe(before);
    expect(statusOf(fake, n)).toEqual(["cw:ready"]);
  });

  it("events out of order (edited and labeled before opened) converge on the same state", async () => {
    const fake = new FakeGitHub();
    await installed(fake);
    const n = fake.openIssue({ title: "First title", labels: ["cw:run"] }, WRITER);
    fake.editIssue(n, { title: "Final title" }, WRITER);
    const queued = fake.dropWebhooks().reverse(); // edited, labeled, opened
    for (const w of queued) await postDelivery(booted.app.port, w.event, w.payload, { deliveryId: w.deliveryId });
    await converge(fake);
    const [task] = await booted.database.db.select().from(tasks);
    expect(task).toMatchObject({ issueNumber: n, name: "Final title", status: "pending" });
    expect(statusOf(fake, n)).toEqual(["cw:ready"]);
    expect(fake.counts().redundantWrites).toBe(0);
  });

  it("a burst that ends where it started writes nothing", async () => {
    const fake = new FakeGitHub();
    await installed(fake);
    const blocker = fake.openIssue({ title: "Blocker" });
    const n = fake.openIssue({ title: "Dependent", body: `Depends on #${blocker}`, labels: ["cw:run"] }, WRITER);
    await converge(fake);
    expect(statusOf(fake, n)).toEqual(["cw:blocked"]);
    fake.resetCounts();

    // Closed and reopened, labels on and off, before the outbox gets a turn.
    fake.closeIssue(blocker, WRITER);
    fake.reopenIssue(blocker, WRITER);
    fake.addLabels(n, ["cw:priority:high"], WRITER);
    fake.removeLabel(n, "cw:priority:high", WRITER);
    await fake.deliver(booted.app.port);
    await booted.app.processor.drain();
    await booted.app.outbox.drain();
    await converge(fake);
    expect(statusOf(fake, n)).toEqual(["cw:blocked"]);
    const labelWrites = fake.requests.filter((r) => r.kind === "write" && r.path.includes(`/issues/${n}/labels`));
    expect(labelWrites).toEqual([]);
  });

  it("a dependency on a missing issue, or on one in a repository it cannot read, is reported once", async () => {
    const fake = new FakeGitHub();
    await installed(fake);
    const n = fake.openIssue({ title: "Task", body: "Depends on #999\nBlocked by someone-else/private-repo#5", labels: ["cw:run"] }, WRITER);
    await converge(fake);
    expect(statusOf(fake, n)).toEqual(["cw:blocked"]); // unknown references count as open

    github().get("/repos/someone-else/private-repo/issues/5").reply(404, { message: "Not Found" });
    // The reconciler reads references no webhook confirmed.
    await booted.database.db.execute(sql`update issue_links set updated_at = now() - interval '1 hour'`);
    booted.app.githubReader.wake();
    await verifyReferences();
    await converge(fake);
    const comments = fake.commentsOn(n).filter((c) => c.body.includes("Codewalkers cannot read"));
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("#999");
    expect(comments[0]!.body).toContain("someone-else/private-repo#5");
    expect(statusOf(fake, n)).toEqual(["cw:blocked"]);

    fake.editIssue(n, { body: "No dependencies now." }, WRITER);
    await converge(fake);
    expect(statusOf(fake, n)).toEqual(["cw:ready"]);
    expect(fake.commentsOn(n).filter((c) => c.body.includes("can now be read"))).toHaveLength(1);
  });

  it("a milestone deleted with tasks in it: the initiative is archived, the tasks carry on alone", async () => {
    const fake = new FakeGitHub();
    await installed(fake);
    const m = fake.createMilestone({ title: "Doomed" });
    const n = fake.openIssue({ title: "Task", milestone: m, labels: ["cw:run"] }, WRITER);
    await converge(fake);
    fake.deleteMilestone(m, WRITER);
    await converge(fake);
    const [initiative] = await booted.database.db.select().from(initiatives);
    expect(initiative).toMatchObject({ status: "archived", milestoneNumber: null });
    const [task] = await booted.database.db.select().from(tasks);
    expect(task).toMatchObject({ issueNumber: n, initiativeId: null, status: "pending" });
    expect(statusOf(fake, n)).toEqual(["cw:ready"]);
  });

  it("an issue transferred away leaves; its dependents follow it to its new home", async () => {
    const fake = new FakeGitHub({ repositories: [{}, { owner: "Codertocat", name: "Elsewhere", id: 186853999 }] });
    await installed(fake);
    const moving = fake.openIssue({ title: "Moving", labels: ["cw:run"] }, WRITER);
    const dependent = fake.openIssue({ title: "Dependent", body: `Depends on #${moving}`, labels: ["cw:run"] }, WRITER);
    await converge(fake);
    const moved = fake.transferIssue(moving, "Codertocat/Elsewhere", WRITER);
    await converge(fake);
    const rows = await booted.database.db
      .select({ n: tasks.issueNumber, repo: projects.name, reason: tasks.blockedReason })
      .from(tasks)
      .innerJoin(projects, eq(projects.id, tasks.projectId));
    // It left this repository; it arrived, still labelled, in the other one, where the app runs too.
    expect(rows.filter((r) => r.repo === "Codertocat/Hello-World").map((r) => r.n)).toEqual([dependent]);
    expect(rows.filter((r) => r.repo === "Codertocat/Elsewhere").map((r) => r.n)).toEqual([moved.number]);
    expect(statusOf(fake, dependent)).toEqual(["cw:blocked"]);
    expect(rows.find((r) => r.n === dependent && r.repo === "Codertocat/Hello-World")!.reason).toContain(`Codertocat/Elsewhere#${moved.number}`);

    // When it is closed there, the dependent here is free.
    fake.in("Codertocat/Elsewhere").closeIssue(moved.number, WRITER);
    await converge(fake);
    expect(statusOf(fake, dependent)).toEqual(["cw:ready"]);
  });

  it("an invalid config file: one comment quoting the error, and no task", async () => {
    const fake = new FakeGitHub({ repositories: [{ files: { ".github/codewalkers.yml": "execution_mode: fast\ntrigger_lable: go\n" } }] });
    await installed(fake);
    const n = fake.openIssue({ title: "Task" }, WRITER);
    fake.addLabels(n, ["cw:run"], WRITER);
    await converge(fake);
    fake.addLabels(n, ["cw:priority:high"], WRITER);
    await converge(fake);
    expect(await booted.database.db.select().from(tasks)).toEqual([]);
    const comments = fake.commentsOn(n);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("codewalkers.yml");
    expect(comments[0]!.body).toContain("execution_mode");
    expect(comments[0]!.body).toContain("trigger_lable");
  });

  it("a comment of 65,536 characters with a command is handled, and the reply fits GitHub's limit", async () => {
    const fake = new FakeGitHub();
    await installed(fake);
    const n = fake.openIssue({ title: "Task" }, WRITER);
    const body = `/cw run\n${"x".repeat(65_536 - 8)}`;
    expect(body).toHaveLength(65_536);
    fake.comment(n, body, WRITER);
    await converge(fake);
    const [task] = await booted.database.db.select().from(tasks);
    expect(task?.status).toBe("pending");
    const reply = fake.commentsOn(n).find((c) => c.body.includes("Started"));
    expect(reply!.body.length).toBeLessThanOrEqual(65_536);
  });

  it("GitHub answering 500, then 403 with retry-after: the write waits as told and lands; a 404 is kept as a dead letter", async () => {
    const fake = new FakeGitHub();
    await installed(fake);
    fake.failNext("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", { status: 500, times: 1 });
    const n = fake.openIssue({ title: "Task", labels: ["cw:run"] }, WRITER);
    await fake.deliver(booted.app.port);
    await booted.settle();
    const [waiting] = await booted.database.db.select().from(outbox).where(eq(outbox.status, "pending"));
    expect(waiting).toMatchObject({ operation: "set-status-label", attempts: 1 });
    expect(waiting!.lastError).toContain("500");
    expect(statusOf(fake, n)).toEqual([]);

    fake.failNext("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", {
      status: 403,
      headers: { "retry-after": "120" },
      body: { message: "You have exceeded a secondary rate limit" },
    });
    await hurryOutbox();
    const before = Date.now();
    await booted.app.outbox.drain();
    const [limited] = await booted.database.db.select().from(outbox).where(eq(outbox.status, "pending"));
    expect(limited!.runAfter.getTime()).toBeGreaterThanOrEqual(before + 119_000);
    expect(limited!.lastError).toContain("rate-limited");

    await hurryOutbox();
    await converge(fake);
    expect(statusOf(fake, n)).toEqual(["cw:ready"]);

    // The issue is deleted while a write for it waits: the write fails for good, nothing crashes.
    const other = fake.openIssue({ title: "Short-lived", labels: ["cw:run"] }, WRITER);
    await fake.deliver(booted.app.port);
    await booted.app.processor.drain();
    await booted.app.reconcile.drain();
    fake.failNext("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", { status: 404, body: { message: "Not Found" } });
    await booted.app.outbox.drain();
    const dead = await booted.database.db.select().from(outbox).where(eq(outbox.status, "dead"));
    expect(dead).toEqual([expect.objectContaining({ operation: "set-status-label", lastError: expect.stringContaining("not-found") })]);
    expect(other).toBeGreaterThan(n);
  });
});

async function verifyReferences() {
  // The repository was just reconciled, so the reconciler's only work is the verification.
  await booted.app.githubReader.drain();
}
