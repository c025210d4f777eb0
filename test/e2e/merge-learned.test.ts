/**
 * A merge the app did not hear about is learned: GitHub merged (or a person closed) one of the
 * app's pull requests, and the `pull_request` webhook never arrived. The outbox's retry of a
 * merge whose answer was lost records it; the periodic GitHub read learns any other. Real git,
 * the fake agent, the fake GitHub.
 */
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { outbox, phases, pullRequests } from "../../src/db/schema.js";
import { useFakeAgentApp } from "../support/fake-agent-app.js";
import { FakeGitHub } from "../support/fake-github/index.js";
import { createBareRemote, readFileAt } from "../support/git-fixtures.js";
import { WRITER } from "../support/payloads.js";
import { install, runUntilQuiet, statusOf } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const { booted } = useFakeAgentApp("cw-merge-learned-");

const MERGE_ROUTE = "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge";
const script = (file: string, summary: string) =>
  `\n\n\`\`\`fake-agent\n${JSON.stringify({ behavior: "edit", files: { [file]: `${summary}\n` }, summary })}\n\`\`\`\n`;
const hurryOutbox = () =>
  booted.database.db
    .update(outbox)
    .set({ runAfter: new Date(0) })
    .where(eq(outbox.status, "pending"));
let nextInstallationId = 8_300_001;

/** Two phases, the second blocked by the first, one task each; run until phase 1's PR waits for review. */
async function twoPhases() {
  const remote = await createBareRemote({ files: { "README.md": "# Shop\n" } });
  const fake = new FakeGitHub({ installationId: nextInstallationId++, repositories: [{ cloneUrl: remote.path }] });
  await install(booted, fake);
  const m = fake.createMilestone({ title: "Checkout" });
  const p1 = fake.openIssue({ title: "Cart", milestone: m, labels: ["cw:phase"] });
  const p2 = fake.openIssue({ title: "Payment", milestone: m, labels: ["cw:phase"] });
  fake.addBlockedBy(p2, p1);
  const t1 = fake.openIssue({ title: "Cart model", milestone: m, body: script("cart.txt", "Cart model") });
  fake.addSubIssue(p1, t1);
  const t2 = fake.openIssue({ title: "Payment model", milestone: m, body: script("payment.txt", "Payment model") });
  fake.addSubIssue(p2, t2);
  fake.addLabels(t1, ["cw:run"], WRITER);
  fake.addLabels(t2, ["cw:run"], WRITER);
  await runUntilQuiet(booted, fake);
  const pr = fake.pulls().find((p) => p.head.ref === `cw/checkout--phase-${p1}`)!;
  expect(pr).toMatchObject({ state: "open", draft: false });
  expect(statusOf(fake, t2)).toEqual(["cw:blocked"]);
  return { fake, remote, m, p1, p2, t1, t2, pr: pr.number };
}

async function phaseStatus(issueNumber: number): Promise<string | undefined> {
  const [row] = await booted.database.db.select({ status: phases.status }).from(phases).where(eq(phases.issueNumber, issueNumber));
  return row?.status;
}

describe("a merge the app did not hear about", () => {
  it("landed, but its answer was lost (502) and so was its webhook: the retry's 405 records it, and the next phase starts", { timeout: 120_000 }, async () => {
    const { fake, remote, p1, p2, t1, t2, pr } = await twoPhases();
    fake.failNext(MERGE_ROUTE, { status: 502, applied: true });
    fake.approve(pr, WRITER);
    await fake.deliver(booted.app.port);
    await booted.settle();
    expect(fake.pull(pr).merged).toBe(true); // GitHub merged it …
    fake.dropWebhooks(); // … and its pull_request.closed never arrives.
    expect(await phaseStatus(p1)).toBe("pending_review");
    const [merge] = await booted.database.db.select().from(outbox).where(eq(outbox.operation, "merge-pull-request"));
    expect(merge).toMatchObject({ status: "pending", attempts: 1 });

    // The retry: GitHub answers 405 (nothing left to merge); the app reads the PR and learns it merged.
    await hurryOutbox();
    await booted.settle();
    fake.dropWebhooks(); // the echoes of what follows are not needed to learn it either
    const [row] = await booted.database.db.select().from(pullRequests).where(eq(pullRequests.number, pr));
    expect(row).toMatchObject({ merged: true, state: "closed" });
    expect(await phaseStatus(p1)).toBe("completed");
    expect(fake.issue(t1).state).toBe("closed");
    expect(fake.issue(p1).state).toBe("closed");
    expect(fake.requests.filter((r) => r.route === MERGE_ROUTE).map((r) => r.status)).toEqual([502, 405]);

    await runUntilQuiet(booted, fake);
    expect(await readFileAt(remote, "cw/checkout", "cart.txt")).toBe("Cart model\n");
    // Phase 2 ran after phase 1 was learned merged: its PR waits for review.
    expect(fake.pulls().find((p) => p.head.ref === `cw/checkout--phase-${p2}`)).toMatchObject({ state: "open" });
    expect(statusOf(fake, t2)).toEqual(["cw:in-review"]);
  });

  it("merged by a person while the webhook was lost: the periodic GitHub read learns it and the phase completes", { timeout: 120_000 }, async () => {
    const { fake, p1, p2, t1, t2, pr } = await twoPhases();
    fake.mergePullRequest(pr, WRITER);
    fake.dropWebhooks();
    await booted.settle();
    expect(await phaseStatus(p1)).toBe("pending_review");

    // The GitHub read is due every 10 minutes: make it due now.
    await booted.database.rows(`update reconcile_due set due_at = now() where scope = 'github'`);
    const readsBefore = fake.counts().byRoute["GET /repos/{owner}/{repo}/pulls"] ?? 0;
    await booted.app.githubReader.drain();
    expect(fake.counts().byRoute["GET /repos/{owner}/{repo}/pulls"]).toBe(readsBefore + 1);
    await fake.converge(booted.app.port, booted.settle);
    expect(await phaseStatus(p1)).toBe("completed");
    expect(fake.issue(t1).state).toBe("closed");
    expect(statusOf(fake, t2)).toEqual(["cw:ready"]);
    expect(fake.issue(p2).state).toBe("open");
  });

  it("closed by a person while the webhook was lost: the read blocks the phase, as the webhook would", { timeout: 120_000 }, async () => {
    const { fake, p1, pr } = await twoPhases();
    fake.closePullRequest(pr, WRITER);
    fake.dropWebhooks();
    await booted.database.rows(`update reconcile_due set due_at = now() where scope = 'github'`);
    await booted.app.githubReader.drain();
    await fake.converge(booted.app.port, booted.settle);
    expect(await phaseStatus(p1)).toBe("blocked");
    expect(statusOf(fake, p1)).toEqual(["cw:blocked"]);
    expect(fake.commentsOn(p1).some((c) => c.body.includes(`#${pr} was closed without merging`))).toBe(true);
  });
});
