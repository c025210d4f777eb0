/**
 * Every agent mode does its own job, seen from GitHub: research reports without a pull request,
 * discuss asks in rounds until its decisions reach the task after it, verify gates its phase
 * (fail → fix task → verify again → ready for review), a review agent posts a COMMENT review
 * that a writer's `/cw refine` turns into a refine. Real git, the fake agent, the fake GitHub.
 */
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { agentReviews, outbox, refineReviews, tasks } from "../../src/db/schema.js";
import { useFakeAgentApp } from "../support/fake-agent-app.js";
import { createBareRemote, readFileAt } from "../support/git-fixtures.js";
import { FakeGitHub } from "../support/fake-github/index.js";
import { READER, WRITER } from "../support/payloads.js";
import { fakeAgentScript, install, installedRepository, runUntilQuiet, statusOf } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const { booted } = useFakeAgentApp("cw-modes-e2e-");

const OPEN_ISSUE = "POST /repos/{owner}/{repo}/issues";
const POST_REVIEW = "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews";

/**
 * Each scenario on an installation of its own: the outbox paces writes per installation (80 a
 * minute, in memory), and these scenarios together write more than that within a minute.
 */
let installations = 957_400;
const ownInstallation = () => ({ installationId: ++installations });

const agentComment = (fake: Awaited<ReturnType<typeof installedRepository>>["fake"], n: number) =>
  fake.commentsOn(n).find((c) => c.body.includes("<!-- codewalkers:agent -->"))?.body ?? "";

describe("agent modes", () => {
  it("research reports without a pull request; discuss asks in rounds and its decisions reach its dependant; verify without a verdict fails", {
    timeout: 60_000,
  }, async () => {
    const { fake } = await installedRepository(booted, undefined, ownInstallation());
    const research = fake.openIssue({
      title: "How do we cache sessions?",
      labels: ["cw:run", "cw:research"],
      body: `Find out.${fakeAgentScript({ behavior: "done", summary: "Findings: sessions live in Redis for 24 h." })}`,
    });
    const discuss = fake.openIssue({
      title: "Settle the session store",
      labels: ["cw:run", "cw:discuss"],
      body:
        "Talk it through." +
        fakeAgentScript({
          behavior: "discuss",
          questions: [
            { id: "q1", question: "Which store?" },
            { id: "q2", question: "How long do sessions last?" },
          ],
        }),
    });
    const dependant = fake.openIssue({
      title: "Build the session store",
      labels: ["cw:run"],
      body: `Depends on #${discuss}${fakeAgentScript({ behavior: "summarize-context" })}`,
    });
    // Research in a phase: the phase had nothing but findings, so it completes with no pull request.
    const m = fake.createMilestone({ title: "Spike" });
    const phase = fake.openIssue({ title: "Explore", milestone: m, labels: ["cw:phase"] });
    const spike = fake.openIssue({
      title: "Which queue?",
      milestone: m,
      body: fakeAgentScript({ behavior: "done", summary: "Findings: the queue we have is enough." }),
    });
    fake.addSubIssue(phase, spike);
    fake.addLabels(spike, ["cw:run", "cw:research"], WRITER);
    const noVerdict = fake.openIssue({
      title: "Check the login page",
      labels: ["cw:run", "cw:verify"],
      body: `Check it.${fakeAgentScript({ behavior: "write-result", result: { status: "done", summary: "looked at it" } })}`,
    });
    // A failing verification with no phase to fix: the task fails with its findings.
    const loneVerify = fake.openIssue({
      title: "Check the signup page",
      labels: ["cw:run", "cw:verify"],
      body: `Check it.${fakeAgentScript({ behavior: "verify", requires: { "signup.txt": "ok" }, findings: ["the signup page is missing"] })}`,
    });
    await runUntilQuiet(booted, fake);

    // Research: its findings are the summary comment; nothing changed, so no pull request, done.
    expect(statusOf(fake, research)).toEqual(["cw:done"]);
    expect(agentComment(fake, research)).toContain("Findings: sessions live in Redis for 24 h.");
    expect(agentComment(fake, research)).toContain("Nothing to review, so no pull request is opened.");
    expect(fake.issue(research).state).toBe("closed");
    expect(agentComment(fake, spike)).toContain(`Nothing to merge into \`cw/spike--phase-${phase}\`.`);
    expect(fake.issue(spike).state).toBe("closed");
    expect(fake.issue(phase).state).toBe("closed");
    expect(fake.milestone(m).state).toBe("closed");
    // Verify without a verdict: failed at once, and the comment says what was missing.
    expect(statusOf(fake, noVerdict)).toEqual(["cw:failed"]);
    expect(agentComment(fake, noVerdict)).toContain("must carry a verdict");
    expect(statusOf(fake, loneVerify)).toEqual(["cw:failed"]);
    expect(agentComment(fake, loneVerify)).toContain("❌ Verification failed (1 finding).");
    expect(agentComment(fake, loneVerify)).toContain("- the signup page is missing");
    expect(agentComment(fake, loneVerify)).toContain("in no phase");

    // Discuss: round one asks, the dependant waits.
    expect(statusOf(fake, discuss)).toEqual(["cw:needs-input"]);
    expect(fake.commentsOn(discuss).some((c) => c.body.includes("Which store?"))).toBe(true);
    expect(statusOf(fake, dependant)).toEqual(["cw:blocked"]);
    fake.comment(discuss, "Postgres, in the sessions table.", WRITER);
    await runUntilQuiet(booted, fake);
    // Round two: another question, on the same issue.
    expect(statusOf(fake, discuss)).toEqual(["cw:needs-input"]);
    expect(fake.commentsOn(discuss).some((c) => c.body.includes("How long do sessions last?"))).toBe(true);
    fake.comment(discuss, "Thirty days.", WRITER);
    await runUntilQuiet(booted, fake);

    expect(statusOf(fake, discuss)).toEqual(["cw:done"]);
    const [discussRow] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, discuss));
    expect(discussRow!.summary).toContain("**Decisions:**");
    expect(discussRow!.summary).toContain("How long do sessions last?:");
    expect(discussRow!.summary).toContain("Thirty days.");
    expect(agentComment(fake, discuss)).toContain("**Decisions:**");
    // The dependant ran after it and was given the decisions as the discussion's summary.
    expect(statusOf(fake, dependant)).toEqual(["cw:done"]);
    expect([fake.issue(discuss).state, fake.issue(dependant).state, fake.issue(noVerdict).state]).toEqual(["closed", "closed", "open"]);
    expect(agentComment(fake, dependant)).toContain(`#${discuss}: **Decisions:**`);
    expect(agentComment(fake, dependant)).toContain("Thirty days.");
    // No mode here changed code: not one pull request, and no failed attempt to open one.
    expect(fake.pulls()).toHaveLength(0);
    expect(fake.requests.filter((r) => r.route === "POST /repos/{owner}/{repo}/pulls")).toHaveLength(0);
  });

  it("verify waits for its phase, fails (its pull request back to draft, a fix task opened), and after the fix passes: ready for review again", {
    timeout: 90_000,
  }, async () => {
    const { fake, remote } = await installedRepository(booted, undefined, ownInstallation());
    const m = fake.createMilestone({ title: "Sessions" });
    const phase = fake.openIssue({ title: "Store", milestone: m, labels: ["cw:phase"] });
    const task = (title: string, file: string) => {
      const n = fake.openIssue({
        title,
        milestone: m,
        body: fakeAgentScript({ behavior: "edit", files: { [file]: `${title}\n` }, summary: `Did: ${title}.` }),
      });
      fake.addSubIssue(phase, n);
      return n;
    };
    // The phase's first task is done: its pull request opens, ready for review.
    fake.addLabels(task("Write the store", "store.txt"), ["cw:run"], WRITER);
    await runUntilQuiet(booted, fake);
    const pr = fake.pulls()[0]!;
    expect(pr).toMatchObject({ draft: false, state: "open" });

    // Then another task and a verification of the phase.
    const more = task("Write the cleaner", "cleaner.txt");
    const fix = { behavior: "edit", files: { "expiry.txt": "thirty days\n" }, summary: "Added the expiry." };
    const verify = fake.openIssue({
      title: "Verify the store",
      milestone: m,
      body: fakeAgentScript({
        behavior: "verify",
        requires: { "expiry.txt": "thirty days" },
        findings: [{ message: `sessions never expire. fake-agent-inline: ${JSON.stringify(fix)}`, path: "store.txt", line: 1 }],
      }),
    });
    fake.addSubIssue(phase, verify);
    fake.addLabels(more, ["cw:run"], WRITER);
    fake.addLabels(verify, ["cw:run", "cw:verify"], WRITER);
    await fake.converge(booted.app.port, booted.settle);
    // Verify waits for the rest of its phase.
    expect(statusOf(fake, verify)).toEqual(["cw:blocked"]);

    // The fix issue is opened, but the answer is lost: the retry finds it by its marker.
    fake.failNext(OPEN_ISSUE, { status: 502, applied: true });
    await runUntilQuiet(booted, fake);
    await booted.database.db
      .update(outbox)
      .set({ runAfter: new Date(0) })
      .where(eq(outbox.status, "pending"));
    await runUntilQuiet(booted, fake);

    // The verification failed once: one fix task was opened in the phase, with the findings.
    const fixIssues = fake
      .allIssues()
      .map((x) => x.issue)
      .filter((i) => i.title.startsWith("Fix the findings of"));
    expect(fixIssues).toHaveLength(1);
    expect(fake.requests.filter((r) => r.route === OPEN_ISSUE).map((r) => r.injected)).toEqual([true]);
    const fixIssue = fixIssues[0]!;
    expect(fixIssue).toMatchObject({ milestone: m });
    expect(fixIssue.labels).toContain("cw:run");
    expect(fixIssue.body).toContain("sessions never expire");
    expect(fixIssue.body).toContain(`#${verify}`);
    expect(fake.issue(phase).children).toContain(fixIssue.id);
    expect(statusOf(fake, fixIssue.number)).toEqual(["cw:in-review"]);
    expect(await readFileAt(remote, `cw/sessions--phase-${phase}`, "expiry.txt")).toBe("thirty days\n");

    // The failed verification concluded its head "failure"; the last one, after the fix, "success".
    expect(fake.pulls()).toHaveLength(1);
    const head = fake.pull(pr.number).head.sha;
    const failed = fake.checkRuns().find((c) => c.name === "Codewalkers" && c.conclusion === "failure")!;
    expect(failed.output.title).toBe("Verification failed: 1 finding");
    expect(failed.output.summary).toContain("sessions never expire");
    expect(failed.headSha).not.toBe(head);
    const last = fake.checkRuns(head).filter((c) => c.name === "Codewalkers");
    expect(last).toEqual([expect.objectContaining({ status: "completed", conclusion: "success" })]);
    expect(last[0]!.output.title).toBe("All 4 tasks done; verified");

    // Out of review while the verification failed: back to draft, ready again only after the fix.
    const readiness = fake.requests
      .map(
        (r, i) =>
          [r.route === "POST /graphql" ? /convertPullRequestToDraft|markPullRequestReadyForReview/.exec(JSON.stringify(r.body))?.[0] : undefined, i] as const,
      )
      .filter(([what]) => what !== undefined);
    expect(readiness.map(([what]) => what)).toEqual(["convertPullRequestToDraft", "markPullRequestReadyForReview"]);
    expect(readiness[1]![1]).toBeGreaterThan(fake.requests.findIndex((r) => r.route === OPEN_ISSUE));
    expect(fake.pull(pr.number)).toMatchObject({ draft: false, state: "open" });

    // Verify saw the phase's diff, reported on its issue, and keeps its verdict.
    expect(agentComment(fake, verify)).toContain("✅ Verification passed");
    expect(agentComment(fake, verify)).toMatch(/phase\.diff touches: .*expiry\.txt/);
    expect(statusOf(fake, verify)).toEqual(["cw:in-review"]);
    const [verifyRow] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, verify));
    expect(verifyRow).toMatchObject({ status: "completed", verdict: "pass" });
    const [fixRow] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, fixIssue.number));
    expect(fixRow).toMatchObject({ status: "completed", fixesTaskId: verifyRow!.id });
    // Verify keeps nothing it writes: no branch of its own was pushed.
    expect(fake.branchSha(`cw/task-${verify}-verify-the-store`)).toBeUndefined();
    expect(fake.counts().redundantWrites).toBe(0);
  });

  it("agent_review: a review agent comments with line comments before people are asked, an approval it asks for is downgraded, and /cw refine endorses it", {
    timeout: 90_000,
  }, async () => {
    const remote = await createBareRemote({ files: { "README.md": "# Project\n" } });
    const fake = new FakeGitHub({
      ...ownInstallation(),
      repositories: [{ cloneUrl: remote.path, files: { ".github/codewalkers.yml": `agent_review: true\nreviewers:\n  - ${WRITER.login}\n` } }],
    });
    await install(booted, fake);
    const review = {
      behavior: "write-result",
      result: {
        status: "done",
        summary: "One thing to change.",
        review: {
          event: "APPROVE",
          body: "Looks good apart from the greeting.",
          comments: [{ path: "hello.txt", line: 1, body: "Say hello to the world, not to nobody." }],
        },
      },
    };
    const m = fake.createMilestone({ title: "Greeting" });
    const phase = fake.openIssue({
      title: "Hello",
      milestone: m,
      labels: ["cw:phase"],
      body: `\n\n\`\`\`fake-agent-review\n${JSON.stringify(review)}\n\`\`\`\n`,
    });
    const work = fake.openIssue({
      title: "Say hello",
      milestone: m,
      body: fakeAgentScript({ behavior: "edit", files: { "hello.txt": "hello nobody\n" }, summary: "Said hello." }),
    });
    fake.addSubIssue(phase, work);
    fake.addLabels(work, ["cw:run"], WRITER);
    // The review lands, but its answer is lost: the retry finds it by its marker, never posts twice.
    fake.failNext(POST_REVIEW, { status: 502, applied: true });
    await runUntilQuiet(booted, fake);
    await booted.database.db
      .update(outbox)
      .set({ runAfter: new Date(0) })
      .where(eq(outbox.status, "pending"));
    await runUntilQuiet(booted, fake);

    const pr = fake.pulls()[0]!;
    expect(pr).toMatchObject({ draft: false, state: "open" });
    // One review, by the app, as a comment — never an approval — with its line comment.
    const reviews = fake.reviewsOn(pr.number);
    expect(reviews).toHaveLength(1);
    expect(fake.requests.filter((r) => r.route === POST_REVIEW).map((r) => r.injected)).toEqual([true]);
    expect(reviews[0]).toMatchObject({ state: "COMMENTED", commitId: pr.head.sha });
    expect(reviews[0]!.body).toContain("Looks good apart from the greeting.");
    expect(reviews[0]!.body).toContain("asked to submit this review as `APPROVE`");
    expect(fake.reviewCommentsOn(pr.number)).toEqual([expect.objectContaining({ path: "hello.txt", line: 1, body: "Say hello to the world, not to nobody." })]);
    // People were asked after the agent's review, not before.
    const at = (route: string) => fake.requests.findIndex((r) => r.route === route);
    expect(at("POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers")).toBeGreaterThan(at(POST_REVIEW));
    expect(fake.requests.find((r) => r.route === "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers")!.status).toBe(201);
    // The agent's review alone starts nothing.
    expect((await booted.database.db.select().from(tasks)).filter((t) => t.category === "refine")).toHaveLength(0);
    const [stored] = await booted.database.db.select().from(agentReviews);
    expect(stored!.comments).toHaveLength(1);

    // Only a writer's word counts: a reader's /cw refine starts nothing.
    fake.comment(pr.number, "/cw refine", READER);
    await runUntilQuiet(booted, fake);
    expect((await booted.database.db.select().from(tasks)).filter((t) => t.category === "refine")).toHaveLength(0);

    // A writer endorses it: the refine agent gets the review and its line comment.
    fake.comment(pr.number, "/cw refine", WRITER);
    await runUntilQuiet(booted, fake);
    const [asked] = await booted.database.db.select().from(refineReviews);
    expect(asked).toMatchObject({ reviewer: WRITER.login, reviewId: reviews[0]!.id });
    expect(asked!.comments).toEqual([expect.objectContaining({ path: "hello.txt", line: 1, body: "Say hello to the world, not to nobody." })]);
    const refine = (await booted.database.db.select().from(tasks)).find((t) => t.category === "refine")!;
    expect(refine.status).toBe("completed");
    expect(fake.commentsOn(pr.number).some((c) => c.body.includes(`Changes requested** by @${WRITER.login}`))).toBe(true);
    // Endorsing twice starts nothing more.
    fake.comment(pr.number, "/cw refine", WRITER);
    await runUntilQuiet(booted, fake);
    expect((await booted.database.db.select().from(tasks)).filter((t) => t.category === "refine")).toHaveLength(1);
    expect(fake.commentsOn(pr.number).some((c) => c.body.includes("was endorsed already"))).toBe(true);
    expect((await booted.database.db.select().from(outbox)).filter((o) => o.status !== "done")).toEqual([]);
  });
});
