/**
 * The phases issue's "done when": a milestone with two phases, the second depending on the
 * first, each with two dependent tasks → two phase PRs, in order → approvals → both merged into
 * the initiative branch → the initiative PR → merged into the default branch, milestone closed.
 * Real git (a local bare repository), the fake agent, the fake GitHub; every step a webhook.
 */
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { initiatives, phases, pullRequests, tasks } from "../../src/db/schema.js";
import { useFakeAgentApp } from "../support/fake-agent-app.js";
import type { FakeGitHub } from "../support/fake-github/index.js";
import { readFileAt, type BareRemote } from "../support/git-fixtures.js";
import { READER, WRITER } from "../support/payloads.js";
import { installedRepository, runUntilQuiet, statusOf } from "../support/flows.js";
import { taskCheckRunName } from "../../src/core/task-check-run.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const { booted } = useFakeAgentApp("cw-phases-e2e-");

const script = (file: string, content: string, summary: string) =>
  `\n\n\`\`\`fake-agent\n${JSON.stringify({ behavior: "edit", files: { [file]: content }, summary })}\n\`\`\`\n`;

function setup(): Promise<{ fake: FakeGitHub; remote: BareRemote }> {
  return installedRepository(booted, { "README.md": "# Shop\n" });
}

/** Every check-run write so far, as "METHOD name head status", in a stable order. */
function checkRunWrites(fake: FakeGitHub, heads: Record<string, string>): string[] {
  const runs = new Map(fake.checkRuns().map((c) => [c.id, c]));
  return fake.requests
    .filter((r) => r.kind === "write" && r.route.includes("/check-runs"))
    .map((r) => {
      const body = r.body as { name?: string; head_sha?: string; status?: string };
      const run = r.method === "POST" ? { name: body.name, headSha: body.head_sha } : runs.get(Number(r.path.split("/").pop()));
      const head = Object.entries(heads).find(([, sha]) => sha === run?.headSha)?.[0] ?? "another head";
      return `${r.method} ${run?.name} ${head} ${body.status}`;
    })
    .sort();
}

function task(fake: FakeGitHub, milestone: number, phase: number, title: string, file: string, extra = ""): number {
  const n = fake.openIssue({ title, milestone, body: extra + script(file, `${title}\n`, `Did: ${title}.`) });
  fake.addSubIssue(phase, n);
  return n;
}

describe("phases and pull requests", () => {
  // The whole scenario: a dozen agent runs, merges and reviews on real git; on a busy machine it
  // needs more than the default 30 s.
  it("two phases in order, each approved and merged, then the initiative lands on the default branch", { timeout: 120_000 }, async () => {
    const { fake, remote } = await setup();
    const m = fake.createMilestone({ title: "Checkout" });
    const p1 = fake.openIssue({ title: "Cart", milestone: m, labels: ["cw:phase"] });
    const p2 = fake.openIssue({ title: "Payment", milestone: m, labels: ["cw:phase"] });
    fake.addBlockedBy(p2, p1);
    const t1 = task(fake, m, p1, "Cart model", "cart.txt");
    const t2 = task(fake, m, p1, "Cart view", "cart-view.txt", `Depends on #${t1}`);
    const t3 = task(fake, m, p2, "Payment model", "payment.txt");
    const t4 = task(fake, m, p2, "Payment view", "payment-view.txt", `Depends on #${t3}`);
    for (const n of [t1, t2, t3, t4]) fake.addLabels(n, ["cw:run"], WRITER);
    await fake.converge(booted.app.port, booted.settle);
    expect(statusOf(fake, t1)).toEqual(["cw:ready"]);
    expect(statusOf(fake, t3)).toEqual(["cw:blocked"]); // its phase waits for the first phase

    await runUntilQuiet(booted, fake);

    // Phase 1: both tasks done, one PR ready for review into the initiative branch.
    const [pr1] = fake.pulls();
    expect(fake.pulls()).toHaveLength(1);
    expect(pr1).toMatchObject({ base: { ref: "cw/checkout" }, draft: false, state: "open" });
    expect(pr1!.head.ref).toBe(`cw/checkout--phase-${p1}`);
    expect(pr1!.body).toContain(`#${t1}`);
    expect(pr1!.body).toContain("Did: Cart view.");
    expect(statusOf(fake, p1)).toEqual(["cw:in-review"]);
    expect(statusOf(fake, t1)).toEqual(["cw:in-review"]);
    expect(statusOf(fake, t3)).toEqual(["cw:blocked"]);
    const [phase1] = await booted.database.db.select().from(phases).where(eq(phases.issueNumber, p1));
    expect(phase1!.status).toBe("pending_review");
    // The "Codewalkers" check run on the PR's head shows the phase complete.
    const checks = fake.checkRuns(pr1!.head.sha).filter((c) => c.name === "Codewalkers");
    expect(checks).toEqual([expect.objectContaining({ status: "completed", conclusion: "success" })]);
    expect(checks[0]!.output.title).toBe("All 2 tasks done");
    // Each task's check run is written once: created done, on the head people review. None was
    // queued before its agent ran, none done on the draft's earlier head (it moved when the
    // second task landed), none created in progress and completed after. The phase's own check
    // run showed the draft's progress on its first head.
    expect(checkRunWrites(fake, { "the final head": pr1!.head.sha })).toEqual([
      "POST Codewalkers another head in_progress",
      "POST Codewalkers the final head completed",
      `POST ${taskCheckRunName(t1, "Cart model")} the final head completed`,
      `POST ${taskCheckRunName(t2, "Cart view")} the final head completed`,
    ]);
    // The PR's body was opened saying what was true by then (the second task ready, not blocked),
    // and edited once: when every task was done.
    const bodies = fake.requests.filter((r) => r.kind === "write" && /\/pulls(\/\d+)?$/.test(r.path)).map((r) => (r.body as { body: string }).body);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toMatch(new RegExp(`#${t2} Cart view \\| ⏳ ready`));
    expect(bodies[1]).toMatch(new RegExp(`#${t2} Cart view \\| ✅ done`));

    // A reader's approval merges nothing; a writer's does.
    fake.approve(pr1!.number, READER);
    await runUntilQuiet(booted, fake);
    expect(fake.pull(pr1!.number)!.merged).toBe(false);
    fake.approve(pr1!.number, WRITER);
    await runUntilQuiet(booted, fake);
    expect(fake.pull(pr1!.number)!.merged).toBe(true);
    expect(await readFileAt(remote, "cw/checkout", "cart-view.txt")).toBe("Cart view\n");
    expect(fake.issue(t1)!.state).toBe("closed");
    expect(fake.issue(p1)!.state).toBe("closed");

    // Phase 2 ran after phase 1 merged, on a branch cut from the updated initiative branch.
    const pr2 = fake.pulls().find((p) => p.head.ref === `cw/checkout--phase-${p2}`);
    expect(pr2).toBeDefined();
    expect(await readFileAt(remote, pr2!.head.ref, "cart.txt")).toBe("Cart model\n");
    fake.approve(pr2!.number, WRITER);
    await runUntilQuiet(booted, fake);
    expect(fake.pull(pr2!.number)!.merged).toBe(true);

    // The initiative PR: every phase merged; it waits for its own approval.
    const prI = fake.pulls().find((p) => p.head.ref === "cw/checkout");
    expect(prI).toMatchObject({ base: { ref: "main" }, state: "open" });
    expect(await readFileAt(remote, "main", "payment.txt")).toBeUndefined();
    fake.approve(prI!.number, WRITER);
    await runUntilQuiet(booted, fake);
    expect(fake.pull(prI!.number)!.merged).toBe(true);
    for (const file of ["cart.txt", "cart-view.txt", "payment.txt", "payment-view.txt"]) {
      expect(await readFileAt(remote, "main", file)).toBeDefined();
    }
    expect(fake.milestone(m)!.state).toBe("closed");
    const [initiative] = await booted.database.db.select().from(initiatives);
    expect(initiative!.status).toBe("completed");
    const all = await booted.database.db.select().from(tasks);
    expect(all.every((t) => t.status === "completed")).toBe(true);
    expect(fake.counts().redundantWrites).toBe(0);
    // To the end, each task's check run was that one write, on its phase PR's final head.
    const finalHeads = { "phase 1's final head": fake.pull(pr1!.number)!.head.sha, "phase 2's final head": fake.pull(pr2!.number)!.head.sha };
    expect(checkRunWrites(fake, finalHeads).filter((w) => w.includes(": #"))).toEqual([
      `POST ${taskCheckRunName(t1, "Cart model")} phase 1's final head completed`,
      `POST ${taskCheckRunName(t2, "Cart view")} phase 1's final head completed`,
      `POST ${taskCheckRunName(t3, "Payment model")} phase 2's final head completed`,
      `POST ${taskCheckRunName(t4, "Payment view")} phase 2's final head completed`,
    ]);
    for (const c of fake.checkRuns().filter((c) => c.name.startsWith("Codewalkers: #")))
      expect(c).toMatchObject({ status: "completed", conclusion: "success" });
  });

  it("an approval of an older commit merges nothing, and says so", async () => {
    const { fake } = await setup();
    const n = fake.openIssue({ title: "Standalone fix", labels: ["cw:run"], body: script("fix.txt", "fixed\n", "Fixed it.") });
    await runUntilQuiet(booted, fake);
    const pr = fake.pulls()[0]!;
    expect(pr).toMatchObject({ base: { ref: "main" }, state: "open" });
    expect(pr.body).toContain(`Fixes #${n}`);
    expect(statusOf(fake, n)).toEqual(["cw:in-review"]);
    const oldHead = pr.head.sha;
    fake.pushToBranch(pr.head.ref, { "extra.txt": "a person's commit\n" }, "A person's follow-up", WRITER);
    await runUntilQuiet(booted, fake);
    fake.approve(pr.number, WRITER, { commitId: oldHead });
    await runUntilQuiet(booted, fake);
    expect(fake.pull(pr.number)!.merged).toBe(false);
    expect(fake.commentsOn(pr.number).some((c) => c.body.includes("nothing was merged"))).toBe(true);

    fake.approve(pr.number, WRITER);
    await runUntilQuiet(booted, fake);
    expect(fake.pull(pr.number)!.merged).toBe(true);
    expect(fake.issue(n)!.state).toBe("closed"); // Fixes #n
    const [row] = await booted.database.db.select().from(pullRequests);
    expect(row).toMatchObject({ merged: true, kind: "task" });
  });
});
