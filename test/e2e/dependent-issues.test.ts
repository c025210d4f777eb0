/**
 * The GitHub-sync issue's "done when": a person installs the app, creates a milestone with a few
 * dependent issues, labels them, and sees the right status labels appear and change as blockers
 * close — every step through signed webhooks to the real endpoint, every write through the API.
 */
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { initiatives, issueLinks, tasks, taskDependencies } from "../../src/db/schema.js";
import { useBootedApp } from "../support/boot.js";
import { FakeGitHub } from "../support/fake-github/index.js";
import { READER, WRITER } from "../support/payloads.js";
import { install, statusOf } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const booted = useBootedApp();

async function converge(fake: FakeGitHub) {
  await fake.converge(booted.app.port, booted.settle);
}

const installed = (fake: FakeGitHub) => install(booted, fake);

describe("a milestone of dependent issues", () => {
  it("shows ready and blocked, and unblocks dependents as blockers close", async () => {
    const fake = new FakeGitHub();
    await installed(fake);

    const m = fake.createMilestone({ title: "User auth", description: "Sign-in for everyone." });
    const schema = fake.openIssue({ title: "Add the users table", milestone: m });
    const api = fake.openIssue({ title: "Add the login endpoint", milestone: m, body: `Needs the table.\n\nDepends on #${schema}` });
    const ui = fake.openIssue({ title: "Add the login form", milestone: m, body: `Blocked by #${api}` });
    // GitHub's own dependency feature works the same as a body line.
    fake.addBlockedBy(ui, schema);
    await converge(fake);
    expect(await booted.database.db.select().from(tasks)).toEqual([]); // nothing runs without the label

    for (const n of [schema, api, ui]) fake.addLabels(n, ["cw:run"], WRITER);
    await converge(fake);

    expect(statusOf(fake, schema)).toEqual(["cw:ready"]);
    expect(statusOf(fake, api)).toEqual(["cw:blocked"]);
    expect(statusOf(fake, ui)).toEqual(["cw:blocked"]);
    const [initiative] = await booted.database.db.select().from(initiatives);
    expect(initiative).toMatchObject({ name: "User auth", status: "active", branch: "cw/user-auth" });
    const rows = await booted.database.db.select().from(tasks);
    expect(rows.map((t) => [t.issueNumber, t.status, t.initiativeId]).sort()).toEqual(
      [
        [schema, "pending", initiative!.id],
        [api, "blocked", initiative!.id],
        [ui, "blocked", initiative!.id],
      ].sort(),
    );
    expect(await booted.database.db.select().from(taskDependencies)).toHaveLength(3);

    fake.closeIssue(schema, WRITER);
    await converge(fake);
    expect(statusOf(fake, api)).toEqual(["cw:ready"]);
    expect(statusOf(fake, ui)).toEqual(["cw:blocked"]); // still waits for the API

    fake.closeIssue(api, WRITER);
    await converge(fake);
    expect(statusOf(fake, ui)).toEqual(["cw:ready"]);

    const counts = fake.counts();
    expect(counts.redundantWrites).toBe(0);
  });

  it("answers a `/cw status` asked in the same burst as the labels with the state the burst leads to", async () => {
    const fake = new FakeGitHub();
    await installed(fake);
    const first = fake.openIssue({ title: "First" });
    const second = fake.openIssue({ title: "Second", body: `Depends on #${first}` });
    // Queued together, these reach the handlers as one batch; the reconcile comes once, at the end.
    for (const n of [first, second]) fake.addLabels(n, ["cw:run"], WRITER);
    fake.comment(second, "/cw status", WRITER);
    await converge(fake);

    expect(statusOf(fake, second)).toEqual(["cw:blocked"]);
    const reply = fake.commentsOn(second).find((c) => c.viaApp);
    expect(reply?.body).toContain("is blocked");
    expect(reply?.body).toContain(`#${first}`);
  });

  it("names a dependency cycle once on every issue in it, and lifts it when the cycle breaks", async () => {
    const fake = new FakeGitHub();
    await installed(fake);
    const a = fake.openIssue({ title: "A", labels: [] });
    const b = fake.openIssue({ title: "B", body: `Depends on #${a}` });
    await converge(fake);
    fake.editIssue(a, { body: `Depends on #${b}` }, WRITER);
    for (const n of [a, b]) fake.addLabels(n, ["cw:run"], WRITER);
    await converge(fake);

    for (const n of [a, b]) {
      expect(statusOf(fake, n)).toEqual(["cw:blocked"]);
      const cycle = fake.commentsOn(n).filter((c) => c.body.includes("Dependency cycle"));
      expect(cycle).toHaveLength(1);
      expect(cycle[0]!.body).toContain(`#${a} → #${b} → #${a}`);
    }
    // More events do not repeat the comment.
    fake.addLabels(a, ["cw:priority:high"], WRITER);
    await converge(fake);
    expect(fake.commentsOn(a).filter((c) => c.body.includes("Dependency cycle"))).toHaveLength(1);

    fake.editIssue(a, { body: "No dependencies after all." }, WRITER);
    await converge(fake);
    expect(statusOf(fake, a)).toEqual(["cw:ready"]);
    expect(statusOf(fake, b)).toEqual(["cw:blocked"]);
    expect(
      fake
        .commentsOn(a)
        .map((c) => c.body)
        .join("\n"),
    ).toContain("resolved");
    expect(fake.counts().redundantWrites).toBe(0);
  });

  it("takes a writer's dependency lines from an issue once it is a task, not before", async () => {
    const fake = new FakeGitHub();
    await installed(fake);
    const first = fake.openIssue({ title: "First" });
    const second = fake.openIssue({ title: "Second" });
    const n = fake.openIssue({ title: "Work", body: "No dependencies yet." }, WRITER);
    await converge(fake);
    const linksFrom = async () =>
      (await booted.database.db.select({ to: issueLinks.toNumber }).from(issueLinks).where(eq(issueLinks.fromNumber, n))).map((l) => l.to);

    // A writer's edit of an issue that is no task: nothing of its text is taken yet.
    fake.editIssue(n, { body: `Depends on #${first}` }, WRITER);
    await converge(fake);
    expect(await linksFrom()).toEqual([]);

    fake.addLabels(n, ["cw:run"], WRITER);
    await converge(fake);
    expect(await linksFrom()).toEqual([first]);
    expect(statusOf(fake, n)).toEqual(["cw:blocked"]);

    // A task now: the writer's edit counts.
    fake.editIssue(n, { body: `Depends on #${second}` }, WRITER);
    fake.closeIssue(second, WRITER);
    await converge(fake);
    expect(await linksFrom()).toEqual([second]);
    const [task] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, n));
    expect(task!.description).toBe(`Depends on #${second}`);
    expect(statusOf(fake, n)).toEqual(["cw:ready"]);
  });

  it("does nothing for a reader's label but reply once, politely", async () => {
    const fake = new FakeGitHub();
    await installed(fake);
    const n = fake.openIssue({ title: "Please do this" }, READER);
    fake.addLabels(n, ["cw:run"], READER);
    await converge(fake);
    fake.removeLabel(n, "cw:run", READER);
    fake.addLabels(n, ["cw:run"], READER);
    await converge(fake);

    expect(await booted.database.db.select().from(tasks)).toEqual([]);
    expect(statusOf(fake, n)).toEqual([]);
    const replies = fake.commentsOn(n);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain(`@${READER.login}`);
    expect(replies[0]!.body).toContain("write access");
  });

  it("stops scheduling when the label goes, and starts again with /cw run", async () => {
    const fake = new FakeGitHub();
    await installed(fake);
    const n = fake.openIssue({ title: "Task", labels: ["cw:run"] }, WRITER);
    await converge(fake);
    expect(statusOf(fake, n)).toEqual(["cw:ready"]);

    fake.removeLabel(n, "cw:run", WRITER);
    await converge(fake);
    expect(statusOf(fake, n)).toEqual([]);
    const [stopped] = await booted.database.db.select().from(tasks);
    expect(stopped?.status).toBe("cancelled");

    fake.comment(n, "/cw run", WRITER);
    await converge(fake);
    expect(statusOf(fake, n)).toEqual(["cw:ready"]);
    const [again] = await booted.database.db.select().from(tasks).where(eq(tasks.id, stopped!.id));
    expect(again?.status).toBe("pending");

    fake.comment(n, "/cw status", WRITER);
    await converge(fake);
    const reply = fake.commentsOn(n).find((c) => c.body.includes("/cw status"));
    expect(reply?.body).toContain("`cw:ready`");

    fake.comment(n, "/cw frobnicate", WRITER);
    await converge(fake);
    const help = fake.commentsOn(n).find((c) => c.body.includes("frobnicate"));
    expect(help?.body).toContain("Unknown command");
    expect(help?.body).toContain("/cw retry");
  });
});
