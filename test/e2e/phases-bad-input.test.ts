/**
 * The phases issue's bad inputs, each driven through the fake GitHub (real git in a local bare
 * repository) and the fake agent, asserting what people see: the pull request's state, the
 * comments and labels, the files on the branches, and the rows behind them. Stale and bot
 * approvals, a head that moves between approval and merge, required checks, branch protection
 * without auto-merge, a merge queue, a phase PR closed or edited by hand, two approvals at once, yolo, and an
 * initiative that needs no approval — and around them: a push while auto-merge waits, a draft
 * that GitHub fails to make ready, and sub-issues of a phase that were never started.
 */
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { initiatives, outbox, phases, pullRequests } from "../../src/db/schema.js";
import { useFakeAgentApp } from "../support/fake-agent-app.js";
import { APP_BOT, FakeGitHub } from "../support/fake-github/index.js";
import { commitParents, createBareRemote, forcePush, readFileAt, type BareRemote } from "../support/git-fixtures.js";
import { postDelivery } from "../support/github-app.js";
import { WRITER, type UserSpec } from "../support/payloads.js";
import { install, runUntilQuiet as runUntilQuietIn, statusOf } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const { booted } = useFakeAgentApp("cw-phases-bad-");

const INITIATIVE_BRANCH = "cw/checkout";
const MERGE_ROUTE = "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge";
const SECOND_WRITER: UserSpec = { login: "octo-second", id: 1003 };
const OTHER_BOT: UserSpec = { login: "dependabot[bot]", type: "Bot", id: 49699333 };

const script = (file: string, content: string, summary: string) =>
  `\n\n\`\`\`fake-agent\n${JSON.stringify({ behavior: "edit", files: { [file]: content }, summary })}\n\`\`\`\n`;
const settingsBlock = (yaml: string) => `The checkout.\n\n\`\`\`codewalkers\n${yaml}\n\`\`\`\n`;
/** Makes every waiting outbox row runnable now (instead of waiting out its backoff). */
const hurryOutbox = () =>
  booted.database.db
    .update(outbox)
    .set({ runAfter: new Date(0) })
    .where(eq(outbox.status, "pending"));
const converge = (fake: FakeGitHub) => fake.converge(booted.app.port, booted.settle);
const mergeRequests = (fake: FakeGitHub) => fake.requests.filter((r) => r.route === MERGE_ROUTE);
const appComments = (fake: FakeGitHub, n: number, text: string) =>
  fake.commentsOn(n).filter((c) => !c.deleted && c.user.login === APP_BOT.login && c.body.includes(text));

const runUntilQuiet = (fake: FakeGitHub) => runUntilQuietIn(booted, fake);

/**
 * Each test installs the app anew, under its own installation id: the app paces its writes per
 * installation (GitHub's secondary limit, 80 a minute), and ten tests of one installation would
 * run into that pacing, which is not what they are about.
 */
let nextInstallationId = 8_100_001;

async function setup(): Promise<{ fake: FakeGitHub; remote: BareRemote }> {
  const remote = await createBareRemote({ files: { "README.md": "# Shop\n" } });
  const fake = new FakeGitHub({ installationId: nextInstallationId++, repositories: [{ cloneUrl: remote.path }] });
  fake.setPermission(SECOND_WRITER.login, "write");
  await install(booted, fake);
  return { fake, remote };
}

interface PhaseWorld {
  fake: FakeGitHub;
  remote: BareRemote;
  milestone: number;
  phase: number;
  tasks: number[];
  /** The phase PR's number (once the tasks are done). */
  pr: number;
}

/**
 * A milestone "Checkout" with one phase of `taskCount` tasks (each writing its own file), run
 * until quiet (the first `started` of them, default all, labelled cw:run): the phase PR is open
 * into the initiative branch, ready for review when every task ran.
 */
async function phaseInReview(options: { description?: string; taskCount?: number; started?: number } = {}): Promise<PhaseWorld> {
  const { fake, remote } = await setup();
  const milestone = fake.createMilestone({ title: "Checkout", description: options.description ?? null });
  const phase = fake.openIssue({ title: "Cart", milestone, labels: ["cw:phase"] });
  const taskNumbers: number[] = [];
  for (let i = 1; i <= (options.taskCount ?? 1); i++) {
    const title = `Cart part ${i}`;
    const n = fake.openIssue({ title, milestone, body: script(`cart-${i}.txt`, `${title}\n`, `Did: ${title}.`) });
    fake.addSubIssue(phase, n);
    taskNumbers.push(n);
  }
  for (const n of taskNumbers.slice(0, options.started ?? taskNumbers.length)) fake.addLabels(n, ["cw:run"], WRITER);
  await runUntilQuiet(fake);
  const pr = fake.pulls().find((p) => p.head.ref === `${INITIATIVE_BRANCH}--phase-${phase}`);
  expect(pr, "the phase PR").toBeDefined();
  expect(pr!.base.ref).toBe(INITIATIVE_BRANCH);
  return { fake, remote, milestone, phase, tasks: taskNumbers, pr: pr!.number };
}

describe("bad input for phases and pull requests", () => {
  it("1. an approval of an older commit of a phase PR merges nothing and says so; approving the head merges", async () => {
    const { fake, remote, phase, pr } = await phaseInReview();
    expect(fake.pull(pr)).toMatchObject({ state: "open", draft: false, merged: false });
    expect(statusOf(fake, phase)).toEqual(["cw:in-review"]);
    const oldHead = fake.pull(pr).head.sha;
    const branch = fake.pull(pr).head.ref;
    const newHead = fake.pushToBranch(branch, { "late.txt": "a person's late fix\n" }, "A late fix", WRITER);
    await runUntilQuiet(fake);

    fake.approve(pr, WRITER, { commitId: oldHead });
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(false);
    expect(mergeRequests(fake)).toHaveLength(0);
    const told = appComments(fake, pr, "nothing was merged");
    expect(told).toHaveLength(1);
    expect(told[0]!.body).toContain(`@${WRITER.login}`);
    expect(told[0]!.body).toContain(oldHead.slice(0, 7));
    expect(told[0]!.body).toContain(newHead.slice(0, 7));
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-1.txt")).toBeUndefined();
    const [phaseRow] = await booted.database.db.select().from(phases).where(eq(phases.issueNumber, phase));
    expect(phaseRow!.status).toBe("pending_review");

    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(true);
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-1.txt")).toBe("Cart part 1\n");
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "late.txt")).toBe("a person's late fix\n");
    expect(fake.issue(phase).state).toBe("closed");
    expect(statusOf(fake, phase)).toEqual(["cw:done"]);
  });

  it("2. approvals by bots — the app's own and another — merge nothing and get no reply", async () => {
    const { fake, phase, pr } = await phaseInReview();
    const commentsBefore = fake.commentsOn(pr).length;

    // GitHub itself refuses the app approving its own pull request…
    expect(() => fake.approve(pr, APP_BOT)).toThrow();
    // …so forge the webhook such an approval would send, signed as GitHub signs it.
    fake.approve(pr, OTHER_BOT);
    const [review] = fake.dropWebhooks().filter((w) => w.event === "pull_request_review");
    expect(review).toBeDefined();
    const forged = structuredClone(review!.payload) as {
      sender: Record<string, unknown>;
      review: { user: Record<string, unknown> };
    };
    const appUser = { ...forged.sender, login: APP_BOT.login, id: APP_BOT.id, type: "Bot" };
    forged.sender = appUser;
    forged.review.user = appUser;
    const delivered = await postDelivery(booted.app.port, "pull_request_review", forged as unknown as Record<string, unknown>);
    expect(delivered.status).toBeLessThan(300);
    await converge(fake);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(false);
    expect(mergeRequests(fake)).toHaveLength(0);

    // Another bot's approval, delivered as GitHub sends it.
    fake.approve(pr, OTHER_BOT);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(false);
    expect(mergeRequests(fake)).toHaveLength(0);
    expect(fake.commentsOn(pr)).toHaveLength(commentsBefore); // no reply to a bot
    // Not even a permission look-up: a bot's approval is never a writer's.
    expect(fake.requests.filter((r) => r.path.includes("/collaborators/") && decodeURIComponent(r.path).includes("[bot]"))).toEqual([]);
    expect(fake.commentsOn(phase).filter((c) => c.body.includes("[bot]"))).toHaveLength(0);
    const [row] = await booted.database.db.select().from(pullRequests).where(eq(pullRequests.number, pr));
    expect(row).toMatchObject({ approvedSha: null, approvedBy: null, merged: false });
    const merges = await booted.database.db.select().from(outbox).where(eq(outbox.operation, "merge-pull-request"));
    expect(merges).toHaveLength(0);
  });

  it("3. the head moves between the approval and the merge: nothing merges, one comment says so; approving the new head merges", async () => {
    const { fake, remote, pr } = await phaseInReview();
    const approvedHead = fake.pull(pr).head.sha;
    fake.approve(pr, WRITER);
    // The review webhook is processed (the merge is recorded) but the outbox has not run yet…
    await fake.deliver(booted.app.port);
    await booted.app.processor.drain();
    const [recorded] = await booted.database.db.select().from(outbox).where(eq(outbox.operation, "merge-pull-request"));
    expect(recorded).toMatchObject({ status: "pending" });
    expect((recorded!.payload as { sha: string }).sha).toBe(approvedHead);
    // …when a person pushes to the phase branch.
    const newHead = fake.pushToBranch(fake.pull(pr).head.ref, { "between.txt": "pushed in between\n" }, "In between", WRITER);
    await booted.app.outbox.drain();

    expect(mergeRequests(fake)).toHaveLength(1);
    expect(mergeRequests(fake)[0]!.status).toBe(409);
    expect(fake.pull(pr).merged).toBe(false);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(false);
    const said = appComments(fake, pr, "moved after the approval");
    expect(said).toHaveLength(1);
    expect(said[0]!.body).toContain(approvedHead.slice(0, 7));
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "between.txt")).toBeUndefined();
    const merges = await booted.database.db.select().from(outbox).where(eq(outbox.operation, "merge-pull-request"));
    expect(merges.map((m) => m.status)).toEqual(["done"]);

    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(true);
    expect(mergeRequests(fake).map((r) => r.status)).toEqual([409, 200]);
    expect((mergeRequests(fake)[1]!.body as { sha: string }).sha).toBe(newHead);
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "between.txt")).toBe("pushed in between\n");
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-1.txt")).toBe("Cart part 1\n");
    expect(appComments(fake, pr, "moved after the approval")).toHaveLength(1);
  });

  it("4. a required check: GitHub answers 405, auto-merge goes on; a failing check keeps it open, a passing one merges", async () => {
    const { fake, remote, phase, pr } = await phaseInReview();
    fake.protectBranch(INITIATIVE_BRANCH, { requiredChecks: ["ci"] });
    const head = fake.pull(pr).head.sha;
    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);

    expect(mergeRequests(fake).map((r) => r.status)).toEqual([405]);
    const graphql = fake.requests.filter((r) => r.route === "POST /graphql" && JSON.stringify(r.body).includes("enablePullRequestAutoMerge"));
    expect(graphql).toHaveLength(1);
    expect(fake.pull(pr).autoMerge).toMatchObject({ enabledBy: { login: APP_BOT.login }, expectedHeadOid: head, mergeMethod: "squash" });
    expect(fake.pull(pr).merged).toBe(false);
    expect(appComments(fake, pr, "auto-merge is on")).toHaveLength(1);

    fake.completeChecks(head, "failure");
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(false);
    expect(fake.pull(pr).state).toBe("open");
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-1.txt")).toBeUndefined();

    fake.completeChecks(head, "success");
    await runUntilQuiet(fake);
    expect(fake.pull(pr)).toMatchObject({ merged: true, mergedBy: { login: APP_BOT.login } });
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-1.txt")).toBe("Cart part 1\n");
    expect(fake.issue(phase).state).toBe("closed");
    const [phaseRow] = await booted.database.db.select().from(phases).where(eq(phases.issueNumber, phase));
    expect(phaseRow!.status).toBe("completed");
    const [row] = await booted.database.db.select().from(pullRequests).where(eq(pullRequests.number, pr));
    expect(row).toMatchObject({ merged: true, state: "closed" });
    expect(mergeRequests(fake)).toHaveLength(1); // auto-merge merged it, not a second request
  });

  it("4b. a push after auto-merge went on is not merged on the strength of the older approval", async () => {
    const { fake, remote, pr } = await phaseInReview();
    fake.protectBranch(INITIATIVE_BRANCH, { requiredChecks: ["ci"] });
    const approved = fake.pull(pr).head.sha;
    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).autoMerge).toMatchObject({ expectedHeadOid: approved });

    // A person pushes an unreviewed commit; GitHub keeps auto-merge on through a writer's push.
    const pushed = fake.pushToBranch(fake.pull(pr).head.ref, { "unreviewed.txt": "nobody approved this\n" }, "Unreviewed", SECOND_WRITER);
    await runUntilQuiet(fake);
    fake.completeChecks(pushed, "success");
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(false);
    expect(fake.pull(pr).autoMerge).toBeNull();
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "unreviewed.txt")).toBeUndefined();
    const said = appComments(fake, pr, "moved after the approval");
    expect(said).toHaveLength(1);
    expect(said[0]!.body).toContain("auto-merge is off");
    expect(mergeRequests(fake).map((r) => r.status)).toEqual([405, 409]);

    // Approving the new head merges it (auto-merge again, or at once now that its check passed).
    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(true);
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "unreviewed.txt")).toBe("nobody approved this\n");
  });

  it("4c. the same when GitHub answers 405 (not mergeable) before it looks at the head", async () => {
    const { fake, remote, pr } = await phaseInReview();
    fake.protectBranch(INITIATIVE_BRANCH, { requiredChecks: ["ci"] });
    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).autoMerge).not.toBeNull();

    fake.failNext(MERGE_ROUTE, { status: 405, body: { message: "Pull Request is not mergeable" } });
    const pushed = fake.pushToBranch(fake.pull(pr).head.ref, { "unreviewed.txt": "nobody approved this\n" }, "Unreviewed", SECOND_WRITER);
    await runUntilQuiet(fake);
    fake.completeChecks(pushed, "success");
    await runUntilQuiet(fake);
    expect(fake.pull(pr)).toMatchObject({ merged: false, autoMerge: null });
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "unreviewed.txt")).toBeUndefined();
    expect(appComments(fake, pr, "moved after the approval")).toHaveLength(1);
    expect(appComments(fake, pr, "Waiting to merge")).toHaveLength(0);
    expect(await booted.database.db.select().from(outbox).where(eq(outbox.status, "dead"))).toEqual([]);
  });

  it("5. branch protection blocks the merge and auto-merge is not allowed: it waits and says why, no dead letter, and merges once the check passes", async () => {
    const { fake, remote, pr } = await phaseInReview();
    fake.protectBranch(INITIATIVE_BRANCH, { requiredChecks: ["ci"] });
    fake.setAllowAutoMerge(false);
    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);

    expect(mergeRequests(fake).map((r) => r.status)).toEqual([405]);
    expect(fake.pull(pr)).toMatchObject({ merged: false, state: "open", autoMerge: null });
    const waiting = appComments(fake, pr, "Waiting to merge");
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.body).toContain("not mergeable");
    const merges = await booted.database.db.select().from(outbox).where(eq(outbox.operation, "merge-pull-request"));
    expect(merges).toHaveLength(1);
    expect(merges[0]!.status).toBe("done");
    const dead = await booted.database.db.select().from(outbox).where(eq(outbox.status, "dead"));
    expect(dead).toEqual([]);
    const [row] = await booted.database.db.select().from(pullRequests).where(eq(pullRequests.number, pr));
    expect(row!.mergeBlockedReason).toContain("Waiting to merge");

    // A check suite that fails changes nothing; once the check passes (check_suite.completed),
    // the approved head is merged: what the approval asked for, now that the rules are met.
    const head = fake.pull(pr).head.sha;
    fake.completeChecks(head, "failure");
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(false);
    expect(mergeRequests(fake).map((r) => r.status)).toEqual([405]);
    fake.completeChecks(head, "success");
    await runUntilQuiet(fake);
    expect(fake.pull(pr)).toMatchObject({ merged: true, mergedBy: { login: APP_BOT.login } });
    expect(mergeRequests(fake).map((r) => r.status)).toEqual([405, 200]);
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-1.txt")).toBe("Cart part 1\n");
    expect(appComments(fake, pr, "Waiting to merge")).toHaveLength(1); // one comment, never a second
    expect(await booted.database.db.select().from(outbox).where(eq(outbox.status, "dead"))).toEqual([]);
  });

  it("5c. a push after the approval: the passing check of the new head merges nothing", async () => {
    const { fake, remote, pr } = await phaseInReview();
    fake.protectBranch(INITIATIVE_BRANCH, { requiredChecks: ["ci"] });
    fake.setAllowAutoMerge(false);
    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(appComments(fake, pr, "Waiting to merge")).toHaveLength(1);
    const pushed = fake.pushToBranch(fake.pull(pr).head.ref, { "unreviewed.txt": "nobody approved this\n" }, "Unreviewed", SECOND_WRITER);
    await runUntilQuiet(fake);
    fake.completeChecks(pushed, "success");
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(false);
    expect(mergeRequests(fake).map((r) => r.status)).toEqual([405]);
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "unreviewed.txt")).toBeUndefined();
  });

  it("5b. a base that requires a merge queue, auto-merge not allowed: the approval enqueues it, and the queue merges it once its check passes", async () => {
    const { fake, remote, pr } = await phaseInReview();
    fake.protectBranch(INITIATIVE_BRANCH, { requiredChecks: ["ci"], mergeQueue: true });
    fake.setAllowAutoMerge(false);
    const head = fake.pull(pr).head.sha;
    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);

    expect(mergeRequests(fake).map((r) => r.status)).toEqual([405]);
    const enqueued = fake.requests.filter((r) => r.route === "POST /graphql" && JSON.stringify(r.body).includes("enqueuePullRequest"));
    expect(enqueued.map((r) => r.status)).toEqual([200]);
    expect(fake.pull(pr)).toMatchObject({ merged: false, autoMerge: null, mergeQueueEntry: { enqueuedBy: { login: APP_BOT.login }, expectedHeadOid: head } });
    expect(appComments(fake, pr, "it is in the merge queue")).toHaveLength(1);

    fake.completeChecks(head, "success");
    await runUntilQuiet(fake);
    expect(fake.pull(pr)).toMatchObject({ merged: true, mergedBy: { login: APP_BOT.login } });
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-1.txt")).toBe("Cart part 1\n");
    expect(mergeRequests(fake)).toHaveLength(1); // the queue merged it, not a second request
    expect(await booted.database.db.select().from(outbox).where(eq(outbox.status, "dead"))).toEqual([]);
  });

  it("6. a phase PR closed by a person blocks the phase, with one comment on the phase issue", async () => {
    const { fake, remote, phase, pr } = await phaseInReview();
    fake.closePullRequest(pr, WRITER);
    await runUntilQuiet(fake);

    expect(fake.pull(pr)).toMatchObject({ state: "closed", merged: false });
    expect(statusOf(fake, phase)).toEqual(["cw:blocked"]);
    expect(fake.issue(phase).state).toBe("open");
    const said = appComments(fake, phase, "closed without merging");
    expect(said).toHaveLength(1);
    expect(said[0]!.body).toContain(`#${pr}`);
    const [phaseRow] = await booted.database.db.select().from(phases).where(eq(phases.issueNumber, phase));
    expect(phaseRow!.status).toBe("blocked");
    const [row] = await booted.database.db.select().from(pullRequests).where(eq(pullRequests.number, pr));
    expect(row).toMatchObject({ state: "closed", merged: false });
    expect(fake.pulls()).toHaveLength(1); // no new PR opened behind the person's back
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-1.txt")).toBeUndefined();

    // Converging again (a reconcile pass) says nothing more.
    await booted.app.githubReader.drain();
    await runUntilQuiet(fake);
    expect(appComments(fake, phase, "closed without merging")).toHaveLength(1);
    expect(statusOf(fake, phase)).toEqual(["cw:blocked"]);
    expect(fake.pulls()).toHaveLength(1);

    // "Reopen it to go on": reopened, the phase is in review again, and an approval merges it.
    fake.reopenPullRequest(pr, WRITER);
    await runUntilQuiet(fake);
    expect(statusOf(fake, phase)).toEqual(["cw:in-review"]);
    const [reopened] = await booted.database.db.select().from(phases).where(eq(phases.issueNumber, phase));
    expect(reopened!.status).toBe("pending_review");
    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(true);
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-1.txt")).toBe("Cart part 1\n");
    expect(statusOf(fake, phase)).toEqual(["cw:done"]);
  });

  it("7. a phase PR edited by a person, with their commit on the phase branch: the edits stay and the commit is merged", async () => {
    const { fake, remote, pr } = await phaseInReview();
    fake.editPullRequest(pr, { title: "Cart, as a person titled it", body: "A person's description of the cart." }, WRITER);
    await runUntilQuiet(fake);
    const branch = fake.pull(pr).head.ref;
    fake.pushToBranch(branch, { "person.txt": "a person's commit\n", "cart-1.txt": "Cart part 1, improved by a person\n" }, "A person's commit", WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr)).toMatchObject({ title: "Cart, as a person titled it", body: "A person's description of the cart." });

    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(true);
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "person.txt")).toBe("a person's commit\n");
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-1.txt")).toBe("Cart part 1, improved by a person\n");
    expect(fake.pull(pr).title).toBe("Cart, as a person titled it");
  });

  it("7b. a person force-pushes the phase branch: their history stands, and the next task's work is merged on top of it", { timeout: 90_000 }, async () => {
    const { fake, remote, tasks: taskNumbers, pr } = await phaseInReview({ taskCount: 2, started: 1 });
    const branch = fake.pull(pr).head.ref;
    expect(await readFileAt(remote, branch, "cart-1.txt")).toBe("Cart part 1\n");
    // The person rewrites the branch: the first task's work is gone, their commit is the tip.
    const forced = await forcePush(remote, branch, INITIATIVE_BRANCH, { "person.txt": "rewritten by a person\n" }, "A person's rewrite");
    fake.syncWithGit(WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).head.sha).toBe(forced);

    fake.addLabels(taskNumbers[1]!, ["cw:run"], WRITER);
    await runUntilQuiet(fake);
    expect(statusOf(fake, taskNumbers[1]!)).not.toContain("cw:failed");
    expect(await commitParents(remote, fake.pull(pr).head.sha)).toContain(forced); // merged on top, not over it
    expect(await readFileAt(remote, branch, "person.txt")).toBe("rewritten by a person\n");
    expect(await readFileAt(remote, branch, "cart-2.txt")).toBe("Cart part 2\n");
    expect(await readFileAt(remote, branch, "cart-1.txt")).toBeUndefined(); // the person dropped it; nothing brings it back

    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(true);
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "person.txt")).toBe("rewritten by a person\n");
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-2.txt")).toBe("Cart part 2\n");
  });

  it("8. two approvals at once send one merge request and merge once", async () => {
    const { fake, remote, pr } = await phaseInReview();
    const baseBefore = fake.branchSha(INITIATIVE_BRANCH);
    fake.approve(pr, WRITER);
    fake.approve(pr, SECOND_WRITER);
    expect(fake.pendingWebhooks.filter((w) => w.event === "pull_request_review")).toHaveLength(2);
    await runUntilQuiet(fake);

    expect(mergeRequests(fake)).toHaveLength(1);
    expect(mergeRequests(fake)[0]!.status).toBe(200);
    expect(fake.pull(pr).merged).toBe(true);
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-1.txt")).toBe("Cart part 1\n");
    // One squash commit on the initiative branch, on top of where it was.
    const after = fake.branchSha(INITIATIVE_BRANCH)!;
    expect(after).not.toBe(baseBefore);
    expect(fake.pull(pr).mergeCommitSha).toBe(after);
    expect(fake.pulls().filter((p) => p.merged)).toHaveLength(1);
    const merges = await booted.database.db.select().from(outbox).where(eq(outbox.operation, "merge-pull-request"));
    expect(merges.map((m) => m.status)).toEqual(["done"]);
  });

  it("9. yolo: a phase of two tasks merges without any review once its tasks are done", async () => {
    const {
      fake,
      remote,
      milestone,
      phase,
      tasks: taskNumbers,
      pr,
    } = await phaseInReview({
      description: settingsBlock("execution_mode: yolo"),
      taskCount: 2,
    });
    const [initiative] = await booted.database.db.select().from(initiatives);
    expect(initiative!.executionMode).toBe("yolo");

    expect(fake.pull(pr).merged).toBe(true);
    expect(fake.reviewsOn(pr)).toEqual([]);
    expect(mergeRequests(fake)).toHaveLength(1);
    expect(fake.commentsOn(pr)).toEqual([]);
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-1.txt")).toBe("Cart part 1\n");
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-2.txt")).toBe("Cart part 2\n");
    for (const n of [...taskNumbers, phase]) expect(fake.issue(n).state).toBe("closed");
    expect(statusOf(fake, phase)).toEqual(["cw:done"]);
    const [phaseRow] = await booted.database.db.select().from(phases).where(eq(phases.issueNumber, phase));
    expect(phaseRow!.status).toBe("completed");

    // The initiative PR still waits for its approval (merge_requires_approval defaults to true).
    const prI = fake.pulls().find((p) => p.head.ref === INITIATIVE_BRANCH);
    expect(prI).toMatchObject({ base: { ref: "main" }, state: "open", merged: false });
    expect(await readFileAt(remote, "main", "cart-1.txt")).toBeUndefined();
    expect(fake.milestone(milestone).state).toBe("open");
  });

  it("9b. yolo: a phase PR opened as a draft (one task of two done) is made ready and merges once the second is done", async () => {
    const {
      fake,
      remote,
      phase,
      tasks: taskNumbers,
      pr,
    } = await phaseInReview({
      description: settingsBlock("execution_mode: yolo"),
      taskCount: 2,
      started: 1,
    });
    // The second sub-issue is not started: it is work still to come, not a finished phase.
    expect(fake.pull(pr)).toMatchObject({ draft: true, state: "open", merged: false });
    expect(fake.pull(pr).body).toContain(`| #${taskNumbers[1]} | ⏸️ not started | |`);
    expect(mergeRequests(fake)).toHaveLength(0);
    expect(statusOf(fake, phase)).toEqual(["cw:in-progress"]);
    expect(fake.issue(phase).state).toBe("open");

    fake.addLabels(taskNumbers[1]!, ["cw:run"], WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr)).toMatchObject({ draft: false, merged: true });
    expect(fake.reviewsOn(pr)).toEqual([]);
    expect(mergeRequests(fake).map((r) => r.status)).toEqual([200]);
    const graphql = fake.requests.filter((r) => r.route === "POST /graphql").map((r) => JSON.stringify(r.body));
    expect(graphql.filter((q) => q.includes("markPullRequestReadyForReview"))).toHaveLength(1);
    expect(graphql.filter((q) => q.includes("enablePullRequestAutoMerge"))).toHaveLength(0);
    expect(fake.commentsOn(pr)).toEqual([]); // no "waiting to merge": it merged as soon as it was ready
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-2.txt")).toBe("Cart part 2\n");
    expect(statusOf(fake, phase)).toEqual(["cw:done"]);
  });

  it("9c. yolo: GitHub fails to make the draft ready (502): the merge waits for it instead of being refused, then merges", async () => {
    const {
      fake,
      remote,
      tasks: taskNumbers,
      pr,
    } = await phaseInReview({
      description: settingsBlock("execution_mode: yolo"),
      taskCount: 2,
      started: 1,
    });
    expect(fake.pull(pr).draft).toBe(true);
    // GitHub keeps failing until told otherwise: on a busy machine a single failure's backoff
    // (under a second) could pass while the step below still runs, and the retry land early.
    fake.failNext("POST /graphql", { status: 502, times: 1_000 });
    fake.addLabels(taskNumbers[1]!, ["cw:run"], WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr)).toMatchObject({ draft: true, merged: false });
    const [retry] = await booted.database.db.select().from(outbox).where(eq(outbox.operation, "mark-ready"));
    expect(retry).toMatchObject({ status: "pending" });
    expect(mergeRequests(fake)).toEqual([]);

    fake.heal("POST /graphql"); // GitHub is well again
    await hurryOutbox();
    await runUntilQuiet(fake);
    expect(fake.pull(pr)).toMatchObject({ draft: false, merged: true });
    expect(mergeRequests(fake).map((r) => r.status)).toEqual([200]);
    expect(appComments(fake, pr, "merge")).toEqual([]); // never "waiting to merge"
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "cart-2.txt")).toBe("Cart part 2\n");
  });

  it("10. merge_requires_approval: false — the initiative PR merges without approval once every phase is merged, and the milestone closes", async () => {
    const { fake, remote, milestone, pr } = await phaseInReview({ description: settingsBlock("merge_requires_approval: false") });
    const [before] = await booted.database.db.select().from(initiatives);
    expect(before!.mergeRequiresApproval).toBe(false);
    // The phase PR still waits for its approval (execution mode review_per_phase).
    expect(fake.pull(pr).merged).toBe(false);
    expect(fake.pulls().some((p) => p.head.ref === INITIATIVE_BRANCH)).toBe(false);

    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(true);

    const prI = fake.pulls().find((p) => p.head.ref === INITIATIVE_BRANCH);
    expect(prI).toMatchObject({ base: { ref: "main" }, merged: true, state: "closed" });
    expect(fake.reviewsOn(prI!.number)).toEqual([]);
    expect(await readFileAt(remote, "main", "cart-1.txt")).toBe("Cart part 1\n");
    expect(fake.milestone(milestone).state).toBe("closed");
    const [after] = await booted.database.db.select().from(initiatives);
    expect(after!.status).toBe("completed");
    expect(mergeRequests(fake)).toHaveLength(2);
  });

  it("10b. merge_requires_approval: false — a phase whose sub-issues were never started holds the initiative back", async () => {
    const { fake, remote, milestone, pr } = await phaseInReview({ description: settingsBlock("merge_requires_approval: false") });
    const later = fake.openIssue({ title: "Payment", milestone, labels: ["cw:phase"] });
    const waiting = fake.openIssue({ title: "Payment model", milestone, body: script("payment.txt", "Payment model\n", "Did: Payment model.") });
    fake.addSubIssue(later, waiting);
    await runUntilQuiet(fake);

    fake.approve(pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(pr).merged).toBe(true);
    expect(fake.pulls().some((p) => p.head.ref === INITIATIVE_BRANCH)).toBe(false);
    expect(fake.milestone(milestone).state).toBe("open");
    expect(await readFileAt(remote, "main", "cart-1.txt")).toBeUndefined();

    // Started and done, its phase approved: now the initiative lands by itself.
    fake.addLabels(waiting, ["cw:run"], WRITER);
    await runUntilQuiet(fake);
    const pr2 = fake.pulls().find((p) => p.head.ref === `${INITIATIVE_BRANCH}--phase-${later}`);
    expect(pr2).toBeDefined();
    fake.approve(pr2!.number, WRITER);
    await runUntilQuiet(fake);
    const prI = fake.pulls().find((p) => p.head.ref === INITIATIVE_BRANCH);
    expect(prI).toMatchObject({ merged: true });
    expect(await readFileAt(remote, "main", "payment.txt")).toBe("Payment model\n");
    expect(fake.milestone(milestone).state).toBe("closed");
  });
});
