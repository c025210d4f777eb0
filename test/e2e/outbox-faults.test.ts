/**
 * The outbox under faults, against the fake GitHub: a comment that landed but was answered 502
 * while a newer intent queued is not posted twice; a 403 with retry-after holds every write to
 * the same target, and every write of the installation, even one recorded after the answer; an error that is not GitHub's (a TypeError) is a dead letter at once; a
 * merge's auto-merge or merge-queue mutation held back by the pacer is paced, not read as
 * "not allowed"; a status label is set from what GitHub answers, so an issue never ends with two.
 */
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { githubComments, installationHolds, outbox, projects, pullRequests, tasks } from "../../src/db/schema.js";
import { recordIntents } from "../../src/core/commands/record-intents.js";
import { claimOutboxRow, type OutboxRow } from "../../src/github/outbox-queue.js";
import type { AppOctokit } from "../../src/github/octokit.js";
import { upsertComment } from "../../src/github/operations/upsert-comment.js";
import { mergePullRequest } from "../../src/github/operations/merge-pull-request.js";
import { PacedWrite, paceWrites, WritePacer } from "../../src/github/write-pacer.js";
import { labelsToStore } from "../../src/core/commands/sync-issue.js";
import type { GitHubIntent, MergePullRequestIntent, UpsertCommentIntent } from "../../src/core/intents.js";
import type { StatusLabel } from "../../src/core/labels.js";
import { useBootedApp } from "../support/boot.js";
import { APP_BOT, FakeGitHub } from "../support/fake-github/index.js";
import { INSTALLATION_ID, OWNER, REPO, WRITER } from "../support/payloads.js";
import { install, statusOf } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const booted = useBootedApp();

const repo = { owner: OWNER, repo: REPO, installationId: INSTALLATION_ID };
const COMMENTS = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments";
const ADD_LABELS = "POST /repos/{owner}/{repo}/issues/{issue_number}/labels";
const comment = (issueNumber: number, body: string): GitHubIntent => ({ kind: "upsert-comment", repo, issueNumber, marker: "note", body });
const label = (issueNumber: number, name: StatusLabel): GitHubIntent => ({ kind: "set-status-label", repo, issueNumber, label: name });

/** The outbox worker's handling of one claimed row (what a loop does after its claim). */
const handle = (row: OutboxRow) => (booted.app.outbox as unknown as { options: { handle(r: OutboxRow): Promise<void> } }).options.handle(row);

async function world(): Promise<{ fake: FakeGitHub; n: number }> {
  const fake = new FakeGitHub();
  await install(booted, fake);
  const n = fake.openIssue({ title: "Task", labels: ["cw:run"] }, WRITER);
  await fake.converge(booted.app.port, booted.settle);
  expect(statusOf(fake, n)).toEqual(["cw:ready"]);
  fake.resetCounts();
  return { fake, n };
}

/** Claims `first` and, while it is in flight, records `second` for the same target. */
async function inFlightThenNewer(first: GitHubIntent, second: GitHubIntent): Promise<OutboxRow> {
  await recordIntents(booted.database.db, [first]);
  const claimed = await claimOutboxRow(booted.database);
  expect(claimed?.payload).toMatchObject(first as object);
  await recordIntents(booted.database.db, [second]);
  return claimed!;
}

describe("the outbox under faults", () => {
  it("a comment that landed but was answered 502, while a newer one queued: found by its marker and edited, never posted twice", async () => {
    const { fake, n } = await world();
    const first = await inFlightThenNewer(comment(n, "first words"), comment(n, "newer words"));
    fake.failNext(COMMENTS, { status: 502, applied: true });
    await handle(first); // posted on GitHub, but the app saw a 502; the newer intent supersedes it
    await booted.app.outbox.drain();
    const mine = fake.commentsOn(n).filter((c) => c.user.login === APP_BOT.login && c.body.includes("codewalkers:note"));
    expect(mine.map((c) => c.body.split("\n").pop())).toEqual(["newer words"]);
    expect(fake.requests.filter((r) => r.route === COMMENTS)).toHaveLength(1);
  });

  it("a 403 with retry-after holds the target: the newer write that supersedes the limited one waits as long", async () => {
    const { fake, n } = await world();
    const first = await inFlightThenNewer(label(n, "cw:blocked"), label(n, "cw:in-progress"));
    fake.failNext(ADD_LABELS, { status: 403, headers: { "retry-after": "10" }, body: { message: "You have exceeded a secondary rate limit" } });
    const before = Date.now();
    await handle(first);
    expect(await booted.app.outbox.drain()).toBe(0); // nothing may go out yet
    expect(fake.requests.filter((r) => r.route === ADD_LABELS)).toHaveLength(1);
    const [waiting] = await booted.database.db.select().from(outbox).where(eq(outbox.status, "pending"));
    expect(waiting!.payload).toMatchObject({ label: "cw:in-progress" });
    const [hold] = await booted.database.db.select().from(installationHolds);
    expect(hold).toMatchObject({ installationId: INSTALLATION_ID });
    expect(hold!.until.getTime()).toBeGreaterThanOrEqual(before + 9_000);
  });

  it("a 403 with retry-after holds the whole installation: a write recorded after the answer, to another target, waits too", async () => {
    const { fake, n } = await world();
    const other = fake.openIssue({ title: "Another task" }, WRITER);
    await fake.converge(booted.app.port, booted.settle);
    fake.resetCounts();
    await recordIntents(booted.database.db, [label(n, "cw:blocked")]);
    fake.failNext(ADD_LABELS, { status: 403, headers: { "retry-after": "30" }, body: { message: "You have exceeded a secondary rate limit" } });
    expect(await booted.app.outbox.drain()).toBe(1);
    const [limited] = await booted.database.db.select().from(outbox).where(eq(outbox.status, "pending"));
    expect(limited!.lastError).toContain("rate-limited 403");

    // Recorded after GitHub's answer, for another issue: no row held it when the answer came.
    await recordIntents(booted.database.db, [comment(other, "later words")]);
    expect(await booted.app.outbox.drain()).toBe(0); // not even claimed: the hold is the database's, for every process
    expect(fake.counts().writes).toBe(1); // the limited label only
    const [later] = await booted.database.db.select().from(outbox).where(eq(outbox.operation, "upsert-comment"));
    expect(later).toMatchObject({ status: "pending", attempts: 0 });
    const [hold] = await booted.database.db.select().from(installationHolds);
    expect(hold!.until.getTime()).toBe(limited!.runAfter.getTime());

    // Once the time has come, both go.
    await booted.database.db.update(installationHolds).set({ until: new Date(0) });
    await booted.database.db
      .update(outbox)
      .set({ runAfter: new Date(0) })
      .where(eq(outbox.status, "pending"));
    booted.pacer.reset();
    await booted.app.outbox.drain();
    expect(statusOf(fake, n)).toEqual(["cw:blocked"]);
    expect(fake.commentsOn(other).some((c) => c.body.includes("later words"))).toBe(true);
  });

  it("an error that is not GitHub's (a TypeError) is a dead letter at once, not retried", async () => {
    const { fake, n } = await world();
    // A malformed intent (no body): rendering it throws a TypeError.
    await booted.database.db.insert(outbox).values({
      targetKey: `comment:${OWNER}/${REPO}#${n}:broken`,
      operation: "upsert-comment",
      installationId: INSTALLATION_ID,
      payload: { kind: "upsert-comment", repo, issueNumber: n, marker: "broken" },
    });
    await booted.app.outbox.drain();
    const [row] = await booted.database.db.select().from(outbox).where(eq(outbox.operation, "upsert-comment"));
    expect(row).toMatchObject({ status: "dead", attempts: 1 });
    expect(row!.lastError).toContain("TypeError");
    expect(fake.counts().writes).toBe(0);
  });

  it("a comment the pacer holds back is not in doubt: nothing was sent, so nothing is looked for next time", async () => {
    const { fake, n } = await world();
    const octokit = (await booted.app.probot.auth(INSTALLATION_ID)) as unknown as AppOctokit;
    const full = new WritePacer(1, () => 1_000_000, 100);
    full.reserve(INSTALLATION_ID); // this minute's one write is gone
    paceWrites(octokit, full, INSTALLATION_ID);
    await expect(upsertComment(octokit, comment(n, "held words") as UpsertCommentIntent, booted.database.db, { isRetry: false })).rejects.toBeInstanceOf(
      PacedWrite,
    );
    expect(fake.requests.filter((r) => r.route === COMMENTS)).toHaveLength(0);
    // No "in doubt" row: the next attempt creates the comment at once, without searching for it.
    expect(await booted.database.db.select().from(githubComments).where(eq(githubComments.issueNumber, n))).toEqual([]);
  });

  it("a merge GitHub answers 405 whose auto-merge or merge-queue mutation the pacer holds back is tried again, not reported as waiting", async () => {
    await world();
    const [project] = await booted.database.db.select({ id: projects.id }).from(projects);
    const sha = "a".repeat(40);
    await booted.database.db
      .insert(pullRequests)
      .values({ projectId: project!.id, kind: "phase", subjectId: "phase-1", head: "cw/x--phase-1", base: "cw/x", number: 7, nodeId: "PR_7", headSha: sha });
    const intent: MergePullRequestIntent = { kind: "merge-pull-request", repo, head: "cw/x--phase-1", base: "cw/x", sha, method: "squash" };
    // Which mutation is held is chosen here, one at a time (the real pacer, below, holds every
    // write after the first it holds): GitHub's answers around them are a required check (405)
    // and an open pull request, mergeable, at the approved head.
    const github = (mutation: (query: string) => Promise<unknown>) => {
      const mutations: string[] = [];
      const octokit = {
        rest: {
          pulls: {
            merge: () =>
              Promise.reject(Object.assign(new Error("405"), { status: 405, response: { data: { message: "Required status check is expected." } } })),
            get: () => Promise.resolve({ data: { merged: false, state: "open", head: { sha }, mergeable: true } }),
          },
        },
        graphql: (query: string) => {
          mutations.push(/mutation (\w+)/.exec(query)![1]!);
          return mutation(query);
        },
      };
      return { octokit: octokit as unknown as AppOctokit, mutations };
    };
    const held = () => Promise.reject(new PacedWrite(30_000, 1));
    const refused = () => Promise.reject(Object.assign(new Error("Auto-merge is not allowed for this repository"), { errors: [] }));

    // Auto-merge held back: the row is paced (tried again later), and nothing else is attempted or said.
    const autoMergeHeld = github(held);
    await expect(mergePullRequest(autoMergeHeld.octokit, intent, booted.database.db)).rejects.toBeInstanceOf(PacedWrite);
    expect(autoMergeHeld.mutations).toEqual(["AutoMerge"]);

    // Auto-merge not allowed, the merge queue's mutation held back: paced too.
    const enqueueHeld = github((query) => (query.includes("enqueuePullRequest") ? held() : refused()));
    await expect(mergePullRequest(enqueueHeld.octokit, intent, booted.database.db)).rejects.toBeInstanceOf(PacedWrite);
    expect(enqueueHeld.mutations).toEqual(["AutoMerge", "Enqueue"]);
    expect(await booted.database.db.select().from(githubComments)).toEqual([]); // no "waiting to merge" comment recorded
  });

  it("the same through the app's Octokit, its pacer and GitHub's 405: the held mutation never reaches GitHub, nor does a comment", async () => {
    const { fake } = await world();
    // A phase pull request whose base needs a passing check: GitHub answers the merge 405.
    const [head, base] = ["cw/x--phase-1", "cw/x"];
    fake.protectBranch(base, { requiredChecks: ["ci"] });
    const number = fake.openPullRequest({ title: "Phase 1", head, base }, APP_BOT);
    const pr = fake.pull(number);
    const [project] = await booted.database.db.select({ id: projects.id }).from(projects);
    await booted.database.db
      .insert(pullRequests)
      .values({ projectId: project!.id, kind: "phase", subjectId: "phase-1", head, base, number, nodeId: pr.nodeId, headSha: pr.head.sha });
    const intent: MergePullRequestIntent = { kind: "merge-pull-request", repo, head, base, sha: pr.head.sha, method: "squash" };
    // The app's own Octokit and pacer, allowing `writes` this minute.
    const paced = async (writes: number) => {
      const octokit = (await booted.app.probot.auth(INSTALLATION_ID)) as unknown as AppOctokit;
      paceWrites(octokit, new WritePacer(writes, () => 1_000_000, 100), INSTALLATION_ID);
      return octokit;
    };
    const mutations = () => fake.requests.filter((r) => r.route === "POST /graphql").map((r) => /mutation (\w+)/.exec(JSON.stringify(r.body))?.[1]);
    const merges = () => fake.requests.filter((r) => r.route === "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge").map((r) => r.status);

    // The merge (one write) is answered 405; the auto-merge mutation, a second write, is held
    // back before it is sent: the row is paced, and nothing reaches GitHub after the merge.
    await expect(mergePullRequest(await paced(1), intent, booted.database.db)).rejects.toBeInstanceOf(PacedWrite);
    expect(merges()).toEqual([405]);
    expect(mutations()).toEqual([]);
    expect(fake.pull(number).autoMerge).toBeNull();

    // Auto-merge not allowed here (GitHub refuses it), the merge queue's mutation held back: paced too.
    fake.setAllowAutoMerge(false);
    await expect(mergePullRequest(await paced(2), intent, booted.database.db)).rejects.toBeInstanceOf(PacedWrite);
    expect(merges()).toEqual([405, 405]);
    expect(mutations()).toEqual(["AutoMerge"]);
    expect(fake.commentsOn(number)).toEqual([]); // no "waiting to merge" comment
    expect(await booted.database.db.select().from(githubComments)).toEqual([]);
  });

  it("a status label is set from what GitHub answers: one stale in the app's record is removed too, never left as a second", async () => {
    const { fake, n } = await world();
    // GitHub's issue carries cw:in-progress; the app's record, stale, says cw:ready.
    fake.addLabels(n, ["cw:in-progress"], APP_BOT);
    fake.removeLabel(n, "cw:ready", APP_BOT);
    fake.dropWebhooks();
    await booted.database.db
      .update(tasks)
      .set({ labels: ["cw:run", "cw:ready"] })
      .where(eq(tasks.issueNumber, n));
    fake.resetCounts();
    await recordIntents(booted.database.db, [label(n, "cw:done")]);
    await booted.app.outbox.drain();
    expect(statusOf(fake, n)).toEqual(["cw:done"]);
    expect(fake.counts().redundantWrites).toBe(0); // no removal of a label the issue does not carry
  });
});

describe("status labels on record", () => {
  it("a late echo of the app's own write never rolls them back; a person's change is applied", () => {
    // The app swapped ready → in-progress; the echo of "labeled cw:ready" arrives afterwards.
    expect(labelsToStore(["cw:run", "cw:ready"], ["cw:run", "cw:in-progress"], "stored")).toEqual(["cw:run", "cw:in-progress"]);
    // A person removed the status label by hand (the reconcile puts it back).
    expect(labelsToStore(["cw:run"], ["cw:run", "cw:in-progress"], { removed: "cw:in-progress" })).toEqual(["cw:run"]);
    // Other labels always follow the payload.
    expect(labelsToStore(["cw:run", "bug"], ["cw:run", "cw:ready"], "stored")).toEqual(["cw:run", "bug", "cw:ready"]);
    // A read from GitHub is the truth.
    expect(labelsToStore(["cw:run", "cw:done"], ["cw:run", "cw:ready"], "payload")).toEqual(["cw:run", "cw:done"]);
  });
});
