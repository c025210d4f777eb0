/**
 * "Request changes" on a phase PR becomes a refine task (issue #5): the review's body and its
 * line comments (file, line, diff hunk) are the agent's input; its work lands on the phase
 * branch; the app replies on the PR (and in each line comment's thread) and asks the reviewer
 * again; an approval of the new head merges. Then the bad inputs: a reader's or a bot's request,
 * a second request while a refine runs, reviews dismissed before their refine starts, a failing
 * refine agent — and a standalone task's PR refined the same way.
 * Real git (a local bare repository), the fake agent, the fake GitHub; every step a webhook.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { and, eq, isNotNull } from "drizzle-orm";
import { agents, phases, pullRequests, refineReviews, tasks } from "../../src/db/schema.js";
import { REFINE_RETRY_HINT } from "../../src/core/refine-review.js";
import { useFakeAgentApp } from "../support/fake-agent-app.js";
import { APP_BOT, type FakeGitHub } from "../support/fake-github/index.js";
import { readFileAt, type BareRemote } from "../support/git-fixtures.js";
import { postDelivery } from "../support/github-app.js";
import { fakeAgentScript, installedRepository, runUntilQuiet as runUntilQuietIn, statusOf } from "../support/flows.js";
import { READER, WRITER, type UserSpec } from "../support/payloads.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const { booted, scratch } = useFakeAgentApp("cw-refine-e2e-", { runner: () => ({ agentEnv: { FAKE_AGENT_INPUT_LOG: INPUT_LOG } }) });
const INPUT_LOG = path.join(scratch, "inputs.jsonl");
beforeEach(() => rmSync(INPUT_LOG, { force: true }));

const INITIATIVE_BRANCH = "cw/checkout";
const SECOND_WRITER: UserSpec = { login: "octo-second", id: 1003 };
const OTHER_BOT: UserSpec = { login: "dependabot[bot]", type: "Bot", id: 49699333 };
const REVIEWERS_ROUTE = "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers";
const REPLY_ROUTE = "POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies";

const converge = (fake: FakeGitHub) => fake.converge(booted.app.port, booted.settle);
const appComments = (fake: FakeGitHub, n: number, text: string) =>
  fake.commentsOn(n).filter((c) => !c.deleted && c.user.login === APP_BOT.login && c.body.includes(text));
const reRequests = (fake: FakeGitHub) => fake.requests.filter((r) => r.route === REVIEWERS_ROUTE).map((r) => (r.body as { reviewers?: string[] }).reviewers);
const edit = (files: Record<string, string>, summary: string) => fakeAgentScript({ behavior: "edit", files, summary });

/** What each agent run was given: its mode and task.md (from the fake agent's log). */
function inputs(): { taskId: string; mode: string; taskMd: string }[] {
  if (!existsSync(INPUT_LOG)) return [];
  return readFileSync(INPUT_LOG, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { taskId: string; mode: string; taskMd: string });
}
const refineInputs = () => inputs().filter((i) => i.mode === "refine");

const runUntilQuiet = (fake: FakeGitHub) => runUntilQuietIn(booted, fake);

const refineTasks = () => booted.database.db.select().from(tasks).where(isNotNull(tasks.pullRequestId)).orderBy(tasks.createdAt);

/** Each test under its own installation: the app paces its writes per installation. */
let nextInstallationId = 8_200_001;

async function setup(): Promise<{ fake: FakeGitHub; remote: BareRemote }> {
  const installed = await installedRepository(booted, { "README.md": "# Shop\n" }, { installationId: nextInstallationId++ });
  installed.fake.setPermission(SECOND_WRITER.login, "write");
  return installed;
}

/** A milestone "Checkout" with one phase of `taskCount` tasks (cart-1.txt, cart-2.txt), run until its PR is ready for review. */
async function phaseInReview(taskCount = 2) {
  const { fake, remote } = await setup();
  const milestone = fake.createMilestone({ title: "Checkout" });
  const phase = fake.openIssue({ title: "Cart", milestone, labels: ["cw:phase"] });
  const taskNumbers: number[] = [];
  for (let i = 1; i <= taskCount; i++) {
    const n = fake.openIssue({ title: `Cart part ${i}`, milestone, body: edit({ [`cart-${i}.txt`]: `Cart part ${i}\n` }, `Did: cart part ${i}.`) });
    fake.addSubIssue(phase, n);
    taskNumbers.push(n);
  }
  for (const n of taskNumbers) fake.addLabels(n, ["cw:run"], WRITER);
  await runUntilQuiet(fake);
  const pr = fake.pulls().find((p) => p.head.ref === `${INITIATIVE_BRANCH}--phase-${phase}`);
  expect(pr, "the phase PR").toMatchObject({ draft: false, state: "open" });
  expect(statusOf(fake, phase)).toEqual(["cw:in-review"]);
  return { fake, remote, phase, tasks: taskNumbers, pr: pr!.number, branch: pr!.head.ref };
}

describe("refine from a review", { timeout: 120_000 }, () => {
  it("a writer's change request with two line comments: a refine agent makes them on the phase branch, the app replies and asks again; approving the new head merges", async () => {
    const { fake, remote, phase, pr, branch } = await phaseInReview();
    const reviewedHead = fake.pull(pr).head.sha;
    const agentsBefore = (await booted.database.db.select().from(agents)).length;
    const review = fake.requestChanges(
      pr,
      WRITER,
      `Name the parts, and add a total.${edit({ "cart-1.txt": "Cart one\n", "cart-2.txt": "Cart two\n", "total.txt": "2 parts\n" }, "Named both parts and added the total.")}`,
      [
        { path: "cart-1.txt", line: 1, body: 'Call it "Cart one".' },
        { path: "cart-2.txt", line: 1, body: 'And this one "Cart two".' },
      ],
    );
    await converge(fake);
    // Queued: the check run on the reviewed head says a refine is coming (neutral, not success).
    expect(fake.checkRuns(reviewedHead).filter((c) => c.name === "Codewalkers")).toEqual([
      expect.objectContaining({
        conclusion: "neutral",
        output: expect.objectContaining({ title: `All 2 tasks done; refining the changes requested by @${WRITER.login}` }),
      }),
    ]);
    await runUntilQuiet(fake);

    // One refine agent ran, and task.md held the review: its body, each line comment with its file, line and diff hunk.
    const given = refineInputs();
    expect(given).toHaveLength(1);
    const md = given[0]!.taskMd;
    expect(md).toMatch(/^---\n/);
    expect(md).toContain("issue_number: null");
    expect(md).toContain("category: refine");
    expect(md).toContain(`number: ${pr}`);
    expect(md).toContain(`head: ${branch}`);
    expect(md).toContain(`reviewer: ${WRITER.login}`);
    expect(md).toContain(`id: ${review}`);
    expect(md).toContain(`## Review by @${WRITER.login}`);
    expect(md).toContain("Name the parts, and add a total.");
    expect(md).toContain('#### `cart-1.txt:1`\n\n```diff\n@@ -0,0 +1 @@\n+Cart part 1\n```\n\nCall it "Cart one".');
    expect(md).toContain('#### `cart-2.txt:1`\n\n```diff\n@@ -0,0 +1 @@\n+Cart part 2\n```\n\nAnd this one "Cart two".');
    expect((await booted.database.db.select().from(agents)).length).toBe(agentsBefore + 1);

    // Its commit is on the phase branch: the PR's head moved and carries the changes.
    expect(await readFileAt(remote, branch, "cart-1.txt")).toBe("Cart one\n");
    expect(await readFileAt(remote, branch, "total.txt")).toBe("2 parts\n");
    const newHead = fake.pull(pr).head.sha;
    expect(newHead).not.toBe(reviewedHead);
    expect(fake.pull(pr).merged).toBe(false);

    // The reply on the PR names the review and says what the agent did; the reviewer is asked again.
    const replies = appComments(fake, pr, "Changes requested");
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain(`@${WRITER.login} ([review](https://github.com/`);
    expect(replies[0]!.body).toContain(`#pullrequestreview-${review})`);
    expect(replies[0]!.body).toContain("Named both parts and added the total.");
    expect(replies[0]!.body).toContain(`merged into \`${branch}\``);
    expect(replies[0]!.body).toContain("your review is requested again");
    expect(reRequests(fake)).toEqual([[WRITER.login]]);
    expect(fake.pull(pr).requestedReviewers.map((u) => u.login)).toEqual([WRITER.login]);
    // Each line comment's thread got one reply.
    const threadReplies = fake.reviewCommentsOn(pr).filter((c) => c.inReplyTo !== null);
    expect(threadReplies.map((c) => [c.user.login, c.path])).toEqual([
      [APP_BOT.login, "cart-1.txt"],
      [APP_BOT.login, "cart-2.txt"],
    ]);

    // The refine task: no issue, done; the phase is still in review, its tasks untouched.
    const [refine] = await refineTasks();
    expect(refine).toMatchObject({ category: "refine", issueNumber: null, status: "completed", summary: "Named both parts and added the total." });
    const [phaseRow] = await booted.database.db.select().from(phases).where(eq(phases.issueNumber, phase));
    expect(phaseRow!.status).toBe("pending_review");
    expect(statusOf(fake, phase)).toEqual(["cw:in-review"]);
    // The new head's check run is the phase's own again.
    expect(fake.checkRuns(newHead).filter((c) => c.name === "Codewalkers")).toEqual([
      expect.objectContaining({ conclusion: "success", output: expect.objectContaining({ title: "All 2 tasks done" }) }),
    ]);

    // Approving the refined head merges the phase, the changes with it.
    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(true);
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "total.txt")).toBe("2 parts\n");
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-2.txt")).toBe("Cart two\n");
    expect(statusOf(fake, phase)).toEqual(["cw:done"]);
    expect(refineInputs()).toHaveLength(1);
    expect(fake.counts().redundantWrites).toBe(0);
  });

  it("a reader's change request gets the polite reply and starts nothing", async () => {
    const { fake, pr } = await phaseInReview(1);
    const head = fake.pull(pr).head.sha;
    fake.requestChanges(pr, READER, `Please redo it.${edit({ "x.txt": "x\n" }, "x")}`, [{ path: "cart-1.txt", line: 1, body: "No." }]);
    await runUntilQuiet(fake);
    const told = appComments(fake, pr, `@${READER.login} thanks`);
    expect(told).toHaveLength(1);
    expect(told[0]!.body).toContain("only people with write access");
    expect(await refineTasks()).toEqual([]);
    expect(refineInputs()).toEqual([]);
    expect(fake.pull(pr).head.sha).toBe(head);
    expect(fake.requests.filter((r) => r.route.endsWith("/reviews/{review_id}/comments"))).toEqual([]); // not even read
  });

  it("a bot's change request, and one forged as the app's own, do nothing at all", async () => {
    const { fake, pr } = await phaseInReview(1);
    const commentsBefore = fake.commentsOn(pr).length;
    // GitHub refuses the app requesting changes on its own pull request: forge that webhook.
    fake.requestChanges(pr, OTHER_BOT, `Bump it.${edit({ "x.txt": "x\n" }, "x")}`);
    const [webhook] = fake.dropWebhooks().filter((w) => w.event === "pull_request_review");
    const forged = structuredClone(webhook!.payload) as { sender: Record<string, unknown>; review: { user: Record<string, unknown>; id: number } };
    const appUser = { ...forged.sender, login: APP_BOT.login, id: APP_BOT.id, type: "Bot" };
    forged.sender = appUser;
    forged.review.user = appUser;
    forged.review.id += 1_000;
    expect((await postDelivery(booted.app.port, "pull_request_review", forged as unknown as Record<string, unknown>)).status).toBeLessThan(300);
    // Another bot's, delivered as GitHub sends it.
    fake.requestChanges(pr, OTHER_BOT, `Bump it again.${edit({ "x.txt": "x\n" }, "x")}`);
    await runUntilQuiet(fake);
    expect(await refineTasks()).toEqual([]);
    expect(refineInputs()).toEqual([]);
    expect(fake.commentsOn(pr)).toHaveLength(commentsBefore);
    expect(fake.requests.filter((r) => r.path.includes("/collaborators/") && decodeURIComponent(r.path).includes("[bot]"))).toEqual([]);
  });

  it("a second change request while a refine runs waits for it: one agent at a time, both handled, each reviewer asked again", async () => {
    const { fake, remote, pr, branch } = await phaseInReview();
    const release = path.join(scratch, `release-${Date.now()}`);
    fake.requestChanges(
      pr,
      WRITER,
      `First: name part one.${fakeAgentScript({
        steps: [
          { behavior: "wait-file", path: release },
          { behavior: "edit", files: { "cart-1.txt": "Cart one\n" }, summary: "Named part one." },
        ],
      })}`,
    );
    await converge(fake);
    const draining = booted.app.dispatcher.drain();
    try {
      // The first refine's agent is at work…
      await until(async () => refineInputs().length === 1);
      // …when a second writer asks for more.
      fake.requestChanges(pr, SECOND_WRITER, `Second: name part two.${edit({ "cart-2.txt": "Cart two\n" }, "Named part two.")}`, [
        { path: "cart-2.txt", line: 1, body: "This one." },
      ]);
      await converge(fake);
      const queued = await refineTasks();
      expect(queued.map((t) => t.status)).toEqual(["in_progress", "pending"]);
      expect(appComments(fake, pr, "once the refine in progress is done")).toHaveLength(1);
      // A free runner slot does not take it while the first runs on the same pull request, but
      // other ready work still goes ahead of it.
      const chore = fake.openIssue({ title: "Unrelated chore", labels: ["cw:run"], body: edit({ "chore.txt": "done\n" }, "Did the chore.") });
      await converge(fake);
      expect(await booted.app.dispatcher.dispatchOnce()).toBe(1);
      const [choreTask] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, chore));
      expect(choreTask!.status).toBe("in_progress");
      expect((await refineTasks()).map((t) => t.status)).toEqual(["in_progress", "pending"]);
    } finally {
      writeFileSync(release, "go");
      await draining;
    }
    await runUntilQuiet(fake);

    const given = refineInputs();
    expect(given).toHaveLength(2);
    expect(inputs().filter((i) => i.mode === "execute")).toHaveLength(3); // the phase's two tasks and the chore
    expect(given[0]!.taskMd).toContain("First: name part one.");
    expect(given[0]!.taskMd).not.toContain("Second: name part two.");
    expect(given[1]!.taskMd).toContain("Second: name part two.");
    expect(given[1]!.taskMd).toContain("#### `cart-2.txt:1`");
    const [first, second] = await refineTasks();
    expect([first!.status, second!.status]).toEqual(["completed", "completed"]);
    const runs = await booted.database.db.select().from(agents).where(eq(agents.mode, "refine")).orderBy(agents.startedAt);
    expect(runs).toHaveLength(2);
    expect(runs[0]!.finishedAt!.getTime()).toBeLessThanOrEqual(runs[1]!.startedAt!.getTime()); // never at once
    // The second started from the first's work: both are on the phase branch.
    expect(await readFileAt(remote, branch, "cart-1.txt")).toBe("Cart one\n");
    expect(await readFileAt(remote, branch, "cart-2.txt")).toBe("Cart two\n");
    expect(appComments(fake, pr, "your review is requested again")).toHaveLength(2);
    expect(reRequests(fake)).toEqual([[WRITER.login], [SECOND_WRITER.login]]);

    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(true);
  });

  it("reviews dismissed before their refine starts: one of two drops out, the last cancels it; an approval meanwhile merges nothing", async () => {
    const { fake, pr } = await phaseInReview(1);
    const head = fake.pull(pr).head.sha;
    const a = fake.requestChanges(pr, WRITER, `Review A asks this.${edit({ "a.txt": "a\n" }, "Did A.")}`, [{ path: "cart-1.txt", line: 1, body: "A's line." }]);
    const b = fake.requestChanges(pr, SECOND_WRITER, "Review B asks that.");
    await converge(fake); // no runner yet: both wait for one refine
    const [refine] = await refineTasks();
    expect(await refineTasks()).toHaveLength(1);
    expect(refine!.status).toBe("pending");
    expect(refine!.description).toContain("Review A asks this.");
    expect(refine!.description).toContain("Review B asks that.");
    const comment = () => appComments(fake, pr, "Changes requested");
    expect(comment()).toHaveLength(1);
    expect(comment()[0]!.body).toContain(`@${SECOND_WRITER.login}`);

    // An approval while the refine waits merges nothing, and says why.
    fake.approve(pr, SECOND_WRITER);
    await converge(fake);
    expect(fake.pull(pr).merged).toBe(false);
    expect(appComments(fake, pr, "an agent is making them: nothing was merged")).toHaveLength(1);

    fake.dismissReview(pr, b, WRITER, "B is moot");
    await converge(fake);
    const [after] = await refineTasks();
    expect(after!.status).toBe("pending");
    expect(after!.description).toContain("Review A asks this.");
    expect(after!.description).not.toContain("Review B asks that.");
    expect(comment()[0]!.body).not.toContain(`@${SECOND_WRITER.login}`);

    fake.dismissReview(pr, a, WRITER, "A too");
    await runUntilQuiet(fake);
    const [cancelled] = await refineTasks();
    expect(cancelled!.status).toBe("cancelled");
    expect(comment()).toHaveLength(1);
    expect(comment()[0]!.body).toContain("dismissed before its refine started");
    expect(refineInputs()).toEqual([]);
    expect(fake.pull(pr).head.sha).toBe(head);
    expect(reRequests(fake)).toEqual([]);
    const reviews = await booted.database.db.select().from(refineReviews);
    expect(reviews.map((r) => r.dismissed)).toEqual([true, true]);

    // Nothing waits any more: the head as it is can be approved and merged.
    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(true);
  });

  it("a refine agent that fails: the PR is told the error, nothing is pushed to it, the phase stays in review", async () => {
    const { fake, remote, phase, pr, branch } = await phaseInReview(1);
    const head = fake.pull(pr).head.sha;
    fake.requestChanges(
      pr,
      WRITER,
      `Rewrite it all.${fakeAgentScript({
        steps: [
          { behavior: "edit", files: { "half.txt": "half done\n" } },
          { behavior: "fail", message: "the review asks for two opposite things" },
        ],
      })}`,
      [{ path: "cart-1.txt", line: 1, body: "Rewrite." }],
    );
    await runUntilQuiet(fake);

    const [refine] = await refineTasks();
    expect(refine).toMatchObject({ status: "failed", lastError: "the review asks for two opposite things" });
    const told = appComments(fake, pr, "Changes requested");
    expect(told).toHaveLength(1);
    expect(told[0]!.body).toContain("the review asks for two opposite things");
    expect(told[0]!.body).toContain(REFINE_RETRY_HINT);
    expect(told[0]!.body).not.toContain("`/cw retry` starts it again"); // the issue's hint, not the PR's
    // The half-done work stays off the branch under review.
    expect(fake.pull(pr).head.sha).toBe(head);
    expect(await readFileAt(remote, branch, "half.txt")).toBeUndefined();
    expect(reRequests(fake)).toEqual([]);
    expect(fake.requests.filter((r) => r.route === REPLY_ROUTE)).toEqual([]);
    const [phaseRow] = await booted.database.db.select().from(phases).where(eq(phases.issueNumber, phase));
    expect(phaseRow!.status).toBe("pending_review");
    expect(statusOf(fake, phase)).toEqual(["cw:in-review"]);

    // Still approvable as it is.
    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(true);
  });

  it("/cw stop on the PR cancels its refine; /cw retry there queues it again and it runs", async () => {
    const { fake, remote, pr, branch } = await phaseInReview(1);
    fake.requestChanges(pr, WRITER, `Add a note.${edit({ "note.txt": "a note\n" }, "Added the note.")}`);
    await converge(fake); // no runner yet: the refine waits
    const [queued] = await refineTasks();
    expect(queued).toMatchObject({ status: "pending", category: "refine" });

    fake.comment(pr, "/cw stop", WRITER);
    await converge(fake);
    expect((await refineTasks())[0]).toMatchObject({ id: queued!.id, status: "cancelled" });
    expect(appComments(fake, pr, "Stopped: the refine is no longer scheduled.")).toHaveLength(1);
    expect(appComments(fake, pr, "Changes requested")[0]!.body).toContain(`⏹️ Stopped by @${WRITER.login}`);
    await runUntilQuiet(fake);
    expect(refineInputs()).toEqual([]); // no refine agent ran
    expect(await readFileAt(remote, branch, "note.txt")).toBeUndefined();

    fake.comment(pr, "/cw retry", WRITER);
    await runUntilQuiet(fake);
    expect((await refineTasks())[0]).toMatchObject({ id: queued!.id, status: "completed" });
    expect(appComments(fake, pr, "Retrying: the refine is scheduled again.")).toHaveLength(1);
    expect(await readFileAt(remote, branch, "note.txt")).toBe("a note\n");
    // Nothing left to stop.
    fake.comment(pr, "/cw stop", WRITER);
    await converge(fake);
    expect(appComments(fake, pr, "Nothing to stop: no refine or branch update is waiting or at work")).toHaveLength(1);
  });

  it("a refine agent's question is asked on the PR; a writer's reply there resumes it", async () => {
    const { fake, remote, pr, branch } = await phaseInReview(1);
    fake.requestChanges(
      pr,
      WRITER,
      `Rename it.${fakeAgentScript({ behavior: "ask", questions: [{ id: "q1", question: "Which name?" }], files: { "cart-1.txt": "Cart one\n" }, summary: "Renamed it" })}`,
    );
    await runUntilQuiet(fake);
    const asked = appComments(fake, pr, "Which name?");
    expect(asked).toHaveLength(1);
    expect(asked[0]!.body).toContain("Changes requested");
    expect((await refineTasks())[0]!.status).toBe("in_progress");
    expect(reRequests(fake)).toEqual([]);

    fake.comment(pr, "Call it Cart one.", READER); // not a writer: no answer
    await runUntilQuiet(fake);
    expect(refineInputs()).toHaveLength(1);
    fake.comment(pr, "Call it Cart one.", WRITER);
    await runUntilQuiet(fake);
    expect(refineInputs()).toHaveLength(2);
    expect((await refineTasks())[0]).toMatchObject({ status: "completed", summary: expect.stringContaining("Call it Cart one.") });
    expect(await readFileAt(remote, branch, "cart-1.txt")).toBe("Cart one\n");
    expect(appComments(fake, pr, "your review is requested again")).toHaveLength(1);
    expect(reRequests(fake)).toEqual([[WRITER.login]]);
  });

  it("a standalone task's PR is refined the same way: the work lands on its branch", async () => {
    const { fake, remote } = await setup();
    const n = fake.openIssue({ title: "Fix the typo", labels: ["cw:run"], body: edit({ "fix.txt": "fixed\n" }, "Fixed it.") });
    await runUntilQuiet(fake);
    const pr = fake.pulls()[0]!;
    expect(pr).toMatchObject({ base: { ref: "main" }, state: "open" });
    fake.requestChanges(pr.number, WRITER, `Say why.${edit({ "fix.txt": "fixed, because\n" }, "Said why.")}`, [{ path: "fix.txt", line: 1, body: "Why?" }]);
    await runUntilQuiet(fake);
    expect(await readFileAt(remote, pr.head.ref, "fix.txt")).toBe("fixed, because\n");
    expect(refineInputs()[0]!.taskMd).toContain("+fixed");
    expect(appComments(fake, pr.number, "Said why.")).toHaveLength(1);
    expect(reRequests(fake)).toEqual([[WRITER.login]]);
    const [row] = await booted.database.db
      .select()
      .from(pullRequests)
      .where(and(eq(pullRequests.kind, "task"), eq(pullRequests.number, pr.number)));
    expect(row).toBeDefined();
    fake.approve(pr.number, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr.number).merged).toBe(true);
    expect(await readFileAt(remote, "main", "fix.txt")).toBe("fixed, because\n");
    expect(fake.issue(n).state).toBe("closed");
  });
});

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("until: timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
