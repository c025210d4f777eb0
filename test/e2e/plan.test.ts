/**
 * Planning agents (issue #13): a milestone and one `cw:plan` issue → a change set of phases,
 * tasks, links, labels and a page → the tasks run and the phase PRs land in order → the
 * initiative merges. Then `/cw revert` (keeping what a person changed since), `/cw apply` under
 * plan_approval, and detail and refine runs. Real git (a local bare remote), the fake agent writing plan.json, the fake GitHub.
 */
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { changeSetEntries, changeSets, pages, tasks } from "../../src/db/schema.js";
import { useFakeAgentApp } from "../support/fake-agent-app.js";
import type { FakeGitHub } from "../support/fake-github/index.js";
import { readFileAt, type BareRemote } from "../support/git-fixtures.js";
import { READER, WRITER } from "../support/payloads.js";
import { installedRepository, runUntilQuiet } from "../support/flows.js";
import { planBody, work } from "../support/plan-scripts.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const { booted } = useFakeAgentApp("cw-plan-e2e-");

function setup(): Promise<{ fake: FakeGitHub; remote: BareRemote }> {
  return installedRepository(booted, { "README.md": "# Shop\n" });
}

const byTitle = (fake: FakeGitHub, title: string) => {
  const found = [...fake.repositories[0]!.issues.values()].find((i) => i.title === title);
  if (!found) throw new Error(`no issue titled ${title}`);
  return found;
};

const TWO_BY_TWO = {
  phases: [
    { key: "p1", title: "Cart", body: "The cart." },
    { key: "p2", title: "Payment", body: "Paying.", dependsOn: ["p1"] },
  ],
  tasks: [
    { key: "t1", phase: "p1", title: "Cart model", body: work("cart.txt", "Cart model") },
    { key: "t2", phase: "p1", title: "Cart view", body: work("cart-view.txt", "Cart view"), dependsOn: ["t1"], priority: "high" },
    { key: "t3", phase: "p2", title: "Payment model", body: work("payment.txt", "Payment model"), category: "research" },
    { key: "t4", phase: "p2", title: "Payment view", body: work("payment-view.txt", "Payment view"), dependsOn: ["t3"] },
  ],
  pages: [{ path: "overview.md", title: "Overview", body: "How checkout works." }],
};

describe("planning agents", () => {
  it("a milestone and one cw:plan issue become phases, tasks, links and a page; the tasks run and land on the default branch", {
    timeout: 150_000,
  }, async () => {
    const { fake, remote } = await setup();
    // The team reviews each phase; the initiative's pull request then merges by itself.
    const m = fake.createMilestone({
      title: "Checkout",
      description: "Customers can pay for their cart.\n\n```codewalkers\nmerge_requires_approval: false\n```\n",
    });
    const planIssue = fake.openIssue({ title: "Plan the checkout", milestone: m, labels: ["cw:plan", "cw:run"], body: planBody(TWO_BY_TWO) });
    await runUntilQuiet(booted, fake);

    // One change set, applied; its issues exist with their labels, parents and dependencies.
    const [cs] = await booted.database.db.select().from(changeSets);
    if (!cs) console.log(JSON.stringify(fake.commentsOn(planIssue).map((c) => c.body)));
    expect(cs).toMatchObject({ mode: "plan", issueNumber: planIssue, pagesState: "written" });
    const p1 = byTitle(fake, "Cart");
    const p2 = byTitle(fake, "Payment");
    const [t1, t2, t3, t4] = ["Cart model", "Cart view", "Payment model", "Payment view"].map((t) => byTitle(fake, t));
    expect(p1.labels).toContain("cw:phase");
    expect(p1.milestone).toBe(m);
    expect(t1!.parent).toBe(p1.id);
    expect(t3!.parent).toBe(p2.id);
    expect(t2!.blockedBy).toEqual([t1!.id]);
    expect(p2.blockedBy).toEqual([p1.id]);
    expect(t2!.body).toContain(`Depends on #${t1!.number}`);
    expect(t2!.labels).toContain("cw:priority:high");
    expect(t3!.labels).toContain("cw:research");
    expect(t1!.labels).toContain("cw:run");
    expect(await readFileAt(remote, "cw/checkout", "docs/initiatives/checkout/overview.md")).toBe("# Overview\n\nHow checkout works.\n");
    const [page] = await booted.database.db.select().from(pages);
    expect(page).toMatchObject({ path: "docs/initiatives/checkout/overview.md", title: "Overview" });
    expect(page!.blobSha).toMatch(/^[0-9a-f]{40}$/);

    // One comment: the id, every issue, the page, the Mermaid graph.
    const comments = fake.commentsOn(planIssue).filter((c) => c.body.includes(cs!.id));
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    for (const i of [p1, p2, t1!, t2!, t3!, t4!]) expect(body).toContain(`#${i.number} — ${i.title}`);
    expect(body).toContain("```mermaid");
    expect(body).toContain("overview.md");
    // Requests per created issue: the issue, its sub-issue link, its dependencies; no read-backs.
    const created = fake.requests.filter((r) => r.route === "POST /repos/{owner}/{repo}/issues");
    expect(created).toHaveLength(6);
    expect(fake.requests.filter((r) => r.route === "GET /repos/{owner}/{repo}/issues/{issue_number}")).toHaveLength(0);

    // The work: phase 1's PR first, then phase 2's, each approved (the only steps a person takes
    // after labelling the plan issue); then the initiative's, merged without a review.
    const pr1 = fake.pulls().find((p) => p.head.ref === `cw/checkout--phase-${p1.number}`);
    expect(pr1).toBeDefined();
    expect(fake.pulls().find((p) => p.head.ref === `cw/checkout--phase-${p2.number}`)).toBeUndefined();
    fake.approve(pr1!.number, WRITER);
    await runUntilQuiet(booted, fake);
    const pr2 = fake.pulls().find((p) => p.head.ref === `cw/checkout--phase-${p2.number}`);
    expect(pr2).toBeDefined();
    fake.approve(pr2!.number, WRITER);
    await runUntilQuiet(booted, fake);
    const prI = fake.pulls().find((p) => p.head.ref === "cw/checkout");
    expect(prI).toMatchObject({ merged: true });
    expect(fake.reviewsOn(prI!.number)).toEqual([]);
    for (const file of ["cart.txt", "cart-view.txt", "payment.txt", "payment-view.txt", "docs/initiatives/checkout/overview.md"]) {
      expect(await readFileAt(remote, "main", file), file).toBeDefined();
    }
    expect(fake.milestone(m)!.state).toBe("closed");
  });

  it("/cw revert closes a plan's issues as not planned, removes its links and page, keeps what a person changed (title, labels), and twice changes nothing", {
    timeout: 90_000,
  }, async () => {
    const { fake, remote } = await setup();
    const m = fake.createMilestone({ title: "Search" });
    const plan = {
      phases: [{ key: "p", title: "Index" }],
      tasks: [
        // A title as an agent may write it (a tab, two spaces): the app keeps it on one line, clean.
        { key: "a", phase: "p", title: "Tokenizer\tfor  search", body: work("tok.txt", "Tokenizer") },
        { key: "b", phase: "p", title: "Ranking", body: work("rank.txt", "Ranking"), dependsOn: ["a"] },
        { key: "c", phase: "p", title: "Stemming", body: work("stem.txt", "Stemming") },
      ],
      pages: [{ path: "notes/search.md", title: "Search notes", body: "BM25." }],
    };
    const planIssue = fake.openIssue({ title: "Plan search", milestone: m, labels: ["cw:plan", "cw:run"], body: planBody(plan) });
    await runUntilQuiet(booted, fake);
    const [cs] = await booted.database.db.select().from(changeSets);
    expect(cs!.status).toBe("applied");
    expect(await readFileAt(remote, "cw/search", "docs/initiatives/search/notes/search.md")).toBeDefined();
    const phase = byTitle(fake, "Index");
    const a = [...fake.repositories[0]!.issues.values()].find((i) => i.title.startsWith("Tokenizer"))!;
    const b = byTitle(fake, "Ranking");
    const c = byTitle(fake, "Stemming");

    // A reader may not revert; an unknown id is named; a person's edit is kept.
    fake.comment(planIssue, `/cw revert ${cs!.id}`, READER);
    fake.comment(planIssue, "/cw revert cs-00000000");
    await runUntilQuiet(booted, fake);
    expect(fake.issue(a.number)!.state).toBe("open");
    expect(fake.commentsOn(planIssue).some((c) => c.body.includes("There is no change set `cs-00000000`"))).toBe(true);
    fake.editIssue(phase.number, { title: "Index (mine now)" }, WRITER);
    fake.addLabels(c.number, ["needs-docs"], WRITER);
    await runUntilQuiet(booted, fake);

    fake.comment(planIssue, `/cw revert ${cs!.id}`);
    await runUntilQuiet(booted, fake);
    expect(fake.issue(a.number)).toMatchObject({ state: "closed", stateReason: "not_planned" });
    expect(fake.issue(b.number)).toMatchObject({ state: "closed", stateReason: "not_planned" });
    expect(fake.issue(b.number)!.blockedBy).toEqual([]);
    expect(fake.issue(a.number)!.parent).toBeNull();
    expect(fake.issue(phase.number)!.state).toBe("open");
    expect(await readFileAt(remote, "cw/search", "docs/initiatives/search/notes/search.md")).toBeUndefined();
    const reply = fake
      .commentsOn(planIssue)
      .map((c) => c.body)
      .find((t) => t.includes(`Reverting change set \`${cs!.id}\``));
    expect(reply).toContain(`#${a.number} Tokenizer for search: closed as not planned`);
    expect(reply).toContain(`#${phase.number}: its title was changed by a person since it was created, so it is left as they made it`);
    expect(reply).toContain(`#${c.number}: its labels were changed by a person since it was created`);
    expect(fake.issue(c.number)!.stateReason).not.toBe("not_planned");
    expect(await booted.database.db.select().from(pages)).toEqual([]);

    const writes = fake.counts().writes;
    fake.comment(planIssue, `/cw revert ${cs!.id}`);
    await runUntilQuiet(booted, fake);
    expect(fake.commentsOn(planIssue).some((c) => c.body.includes("is already reverted: nothing changed"))).toBe(true);
    expect(fake.counts().writes - writes).toBe(1); // the reply only

    // `/cw revert` alone lists the change sets.
    fake.comment(planIssue, "/cw revert");
    await runUntilQuiet(booted, fake);
    expect(fake.commentsOn(planIssue).some((c) => c.body.includes(`\`${cs!.id}\` — plan by`))).toBe(true);
  });

  it("under plan_approval the plan is a proposal until /cw apply; applying twice is harmless", { timeout: 60_000 }, async () => {
    const { fake } = await setup();
    const m = fake.createMilestone({ title: "Accounts", description: "Sign-up.\n\n```codewalkers\nplan_approval: true\n```\n" });
    const plan = { tasks: [{ key: "t", title: "Sign-up form", body: work("signup.txt", "Sign-up form") }] };
    const planIssue = fake.openIssue({ title: "Plan accounts", milestone: m, labels: ["cw:plan", "cw:run"], body: planBody(plan) });
    await runUntilQuiet(booted, fake);
    const [cs] = await booted.database.db.select().from(changeSets);
    expect(cs!.status).toBe("proposed");
    expect(fake.requests.filter((r) => r.route === "POST /repos/{owner}/{repo}/issues")).toHaveLength(0);
    expect(fake.commentsOn(planIssue).some((c) => c.body.includes(`/cw apply ${cs!.id}`))).toBe(true);

    fake.comment(planIssue, `/cw revert ${cs!.id}`.replace("revert", "apply"), READER);
    await runUntilQuiet(booted, fake);
    expect(fake.requests.filter((r) => r.route === "POST /repos/{owner}/{repo}/issues")).toHaveLength(0);

    fake.comment(planIssue, `/cw apply ${cs!.id}`);
    fake.comment(planIssue, `/cw apply ${cs!.id}`);
    await runUntilQuiet(booted, fake);
    expect(fake.requests.filter((r) => r.route === "POST /repos/{owner}/{repo}/issues")).toHaveLength(1);
    const t = byTitle(fake, "Sign-up form");
    const [row] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, t.number));
    expect(row).toMatchObject({ status: "completed", triggeredBy: WRITER.login });
    const [applied] = await booted.database.db.select().from(changeSets);
    expect(applied!.status).toBe("applied");
    expect(applied!.appliedBy).toBe(WRITER.login);
  });

  it("two milestones: /cw revert alone lists only the issue's milestone's change sets; /cw revert and /cw apply of the other's are refused", {
    timeout: 60_000,
  }, async () => {
    const { fake } = await setup();
    const alpha = fake.createMilestone({ title: "Alpha" });
    const beta = fake.createMilestone({ title: "Beta", description: "```codewalkers\nplan_approval: true\n```\n" });
    const alphaPlan = fake.openIssue({
      title: "Plan alpha",
      milestone: alpha,
      labels: ["cw:plan", "cw:run"],
      body: planBody({ phases: [{ key: "p", title: "Alpha phase" }] }),
    });
    const betaPlan = fake.openIssue({
      title: "Plan beta",
      milestone: beta,
      labels: ["cw:plan", "cw:run"],
      body: planBody({ phases: [{ key: "p", title: "Beta phase" }] }),
    });
    await runUntilQuiet(booted, fake);
    const sets = await booted.database.db.select().from(changeSets);
    const a = sets.find((c) => c.issueNumber === alphaPlan)!;
    const b = sets.find((c) => c.issueNumber === betaPlan)!;
    expect([a.status, b.status]).toEqual(["applied", "proposed"]);
    const reply = async (issue: number, line: string): Promise<string> => {
      fake.comment(issue, line);
      await runUntilQuiet(booted, fake);
      return fake.commentsOn(issue).find((c) => c.body.includes("codewalkers:reply"))!.body;
    };

    const listed = await reply(alphaPlan, "/cw revert");
    expect(listed).toContain('Change sets of the milestone "Alpha"');
    expect(listed).toContain(`\`${a.id}\``);
    expect(listed).not.toContain(b.id);
    expect(await reply(betaPlan, "/cw revert")).not.toContain(a.id);

    const writes = fake.counts().writes;
    expect(await reply(alphaPlan, `/cw apply ${b.id}`)).toContain(
      `Change set \`${b.id}\` belongs to the milestone "Beta", not to this issue's milestone "Alpha": nothing changed. Say \`/cw apply ${b.id}\` on its planning issue, #${betaPlan}.`,
    );
    expect(await reply(alphaPlan, `/cw revert ${b.id}`)).toContain(`Change set \`${b.id}\` belongs to the milestone "Beta"`);
    const phase = byTitle(fake, "Alpha phase");
    expect(await reply(betaPlan, `/cw revert ${a.id}`)).toContain(`Change set \`${a.id}\` belongs to the milestone "Alpha"`);
    expect(fake.counts().writes - writes).toBe(3); // the three replies, nothing else
    expect(fake.issue(phase.number)!.state).toBe("open");
    expect((await booted.database.db.select().from(changeSets)).map((c) => c.status).sort()).toEqual(["applied", "proposed"]);
    expect(fake.requests.filter((r) => r.route === "POST /repos/{owner}/{repo}/issues")).toHaveLength(1);

    // On its own milestone's issue, each is heard.
    expect(await reply(betaPlan, `/cw apply ${b.id}`)).toContain(`Applying change set \`${b.id}\``);
  });

  it("a detail run adds a task to an existing phase; a refine run edits a task's title, body and a page, and its revert keeps a body a person rewrote since", {
    timeout: 90_000,
  }, async () => {
    const { fake, remote } = await setup();
    const m = fake.createMilestone({ title: "Reports" });
    const plan = {
      phases: [{ key: "p", title: "Exports" }],
      tasks: [{ key: "csv", phase: "p", title: "CSV export", body: work("csv.txt", "CSV export") }],
      pages: [{ path: "overview.md", title: "Reports", body: "First draft." }],
    };
    fake.openIssue({ title: "Plan reports", milestone: m, labels: ["cw:plan", "cw:run"], body: planBody(plan) });
    await runUntilQuiet(booted, fake);
    const phase = byTitle(fake, "Exports");
    const csv = byTitle(fake, "CSV export");

    // Detail on the phase: the new task joins that phase.
    fake.addLabels(phase.number, ["cw:detail"]);
    fake.editIssue(phase.number, {
      body: planBody({ tasks: [{ key: "pdf", title: "PDF export", body: work("pdf.txt", "PDF export") }] }, "Detail the exports."),
    });
    fake.addLabels(phase.number, ["cw:run"]);
    await runUntilQuiet(booted, fake);
    const pdf = byTitle(fake, "PDF export");
    expect(pdf.parent).toBe(phase.id);
    const detailSet = (await booted.database.db.select().from(changeSets)).find((c) => c.mode === "detail");
    expect(detailSet?.status).toBe("applied");

    // Refine: edits a task's title and body, and the page.
    const refine = fake.openIssue({
      title: "Refine reports",
      milestone: m,
      labels: ["cw:refine", "cw:run"],
      body: planBody(
        {
          // A tab in the title, as an agent may write it: the task keeps the clean form.
          edits: [{ issue: csv.number, title: "CSV export\t(UTF-8)", body: "Export as UTF-8." }],
          pages: [{ path: "overview.md", title: "Reports", body: "Second draft." }],
        },
        "Refine.",
      ),
    });
    await runUntilQuiet(booted, fake);
    expect(fake.issue(csv.number)).toMatchObject({ title: "CSV export\t(UTF-8)", body: "Export as UTF-8." });
    const [csvTask] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, csv.number));
    expect(csvTask!.name).toBe("CSV export (UTF-8)");
    expect(await readFileAt(remote, "cw/reports", "docs/initiatives/reports/overview.md")).toBe("# Reports\n\nSecond draft.\n");
    const refineSet = (await booted.database.db.select().from(changeSets)).find((c) => c.mode === "refine")!;
    // A person rewrites the body the refine wrote.
    fake.editIssue(csv.number, { body: "Export as UTF-8, with a BOM." }, WRITER);
    await runUntilQuiet(booted, fake);
    // Its revert gives the title and the page their earlier text back, and keeps the person's body.
    fake.comment(refine, `/cw revert ${refineSet.id}`);
    await runUntilQuiet(booted, fake);
    expect(fake.issue(csv.number)).toMatchObject({ title: "CSV export", body: "Export as UTF-8, with a BOM." });
    const reply = fake
      .commentsOn(refine)
      .map((c) => c.body)
      .find((t) => t.includes(`Reverting change set \`${refineSet.id}\``));
    expect(reply).toContain(`#${csv.number}: its title restored`);
    expect(reply).toContain(`#${csv.number}: its body was edited by a person since the change set edited it: their edit is kept`);
    expect(await readFileAt(remote, "cw/reports", "docs/initiatives/reports/overview.md")).toBe("# Reports\n\nFirst draft.\n");
    const entries = await booted.database.db.select().from(changeSetEntries).where(eq(changeSetEntries.changeSetId, refineSet.id));
    expect(entries.find((e) => e.key === `edit:#${csv.number}`)!.previousState).toContain("CSV export");
  });
});
