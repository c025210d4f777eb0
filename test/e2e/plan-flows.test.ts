/**
 * Planning agents end to end, beyond the main flow (test/e2e/plan.test.ts): what each agent is
 * given (the plan agent: the milestone's issues and the repository's files; a task a plan
 * created: the initiative's pages and its change-set.md), `cw:detail` on a task, `plan_approval`
 * in the repository's config file, and a revert that stops the agent of a task it created.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { agents, changeSets, tasks } from "../../src/db/schema.js";
import { useFakeAgentApp } from "../support/fake-agent-app.js";
import type { FakeGitHub } from "../support/fake-github/index.js";
import { convergeUntil, fakeAgentScript, installedRepository, runUntilQuiet } from "../support/flows.js";
import { planBody } from "../support/plan-scripts.js";
import { useStrictNock } from "../support/strict-nock.js";
import { dropBox } from "../support/scratch.js";

useStrictNock();
const { booted, scratch } = useFakeAgentApp("cw-plan-flows-", { runner: { timeoutSeconds: 30, idleSeconds: 30 } });

const CREATE = "POST /repos/{owner}/{repo}/issues";

const byTitle = (fake: FakeGitHub, title: string) => {
  const found = [...fake.repositories[0]!.issues.values()].find((i) => i.title === title);
  if (!found) throw new Error(`no issue titled ${title}`);
  return found;
};

async function taskOf(issueNumber: number) {
  const [row] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, issueNumber));
  if (!row) throw new Error(`no task for #${issueNumber}`);
  return row;
}

describe("planning agents, what they are given and what they can do", () => {
  it("the plan agent gets the milestone's issues and the repository's tree; a task it created gets the pages and its change-set.md", {
    timeout: 90_000,
  }, async () => {
    const { fake } = await installedRepository(booted, { "README.md": "# Shop\n", "src/cart.ts": "export {};\n" });
    const m = fake.createMilestone({ title: "Checkout" });
    const existing = fake.openIssue({ title: "Existing phase", milestone: m, labels: ["cw:phase"], body: "Made by hand." });
    const plan = {
      tasks: [
        {
          key: "t",
          title: "Read the context",
          body: fakeAgentScript({ behavior: "list-input", quote: ["context/change-set.md", "context/pages/guide/overview.md"] }),
        },
      ],
      pages: [{ path: "guide/overview.md", title: "Overview", body: "How checkout works." }],
    };
    const planIssue = fake.openIssue({
      title: "Plan the checkout",
      milestone: m,
      labels: ["cw:plan", "cw:run"],
      body: planBody(plan, "Plan it.", [{ behavior: "list-input", summary: "Planned the work.", quote: ["context/initiative-issues.md", "context/tree.md"] }]),
    });
    await runUntilQuiet(booted, fake);
    const [cs] = await booted.database.db.select().from(changeSets);
    expect(cs!.status).toBe("applied");

    // The plan agent: the milestone's issues (without its own) and the repository's files.
    const planSaw = (await taskOf(planIssue)).summary ?? "";
    expect(planSaw).toMatch(/input: .*context\/initiative-issues\.md/);
    expect(planSaw).toMatch(/input: .*context\/tree\.md/);
    expect(planSaw).toMatch(new RegExp(`- #${existing} \\(phase, \\w+\\) Existing phase`));
    expect(planSaw).not.toContain(`- #${planIssue} `);
    expect(planSaw).toMatch(/== context\/tree\.md ==\n# The repository's files\n\nREADME\.md\nsrc\/cart\.ts/);

    // The task it created: the initiative's page, and the change set that made it.
    const created = byTitle(fake, "Read the context");
    const taskSaw = (await taskOf(created.number)).summary ?? "";
    expect(taskSaw).toMatch(/input: .*context\/change-set\.md/);
    expect(taskSaw).toMatch(/input: .*context\/pages\/guide\/overview\.md/);
    expect(taskSaw).toContain(`change_set: ${cs!.id}`);
    expect(taskSaw).toContain(`planning_issue: ${planIssue}`);
    expect(taskSaw).toContain("== context/pages/guide/overview.md ==\n# Overview\n\nHow checkout works.");
    const given = taskSaw.split("\n")[0]!;
    expect(given).not.toContain("initiative-issues.md"); // only planning agents get those
    expect(given).not.toContain("tree.md");
  });

  it("cw:detail on a task creates sub-issues of that task", { timeout: 90_000 }, async () => {
    const { fake } = await installedRepository(booted, { "README.md": "# Shop\n" });
    const m = fake.createMilestone({ title: "Reports" });
    const big = fake.openIssue({
      title: "Exports",
      milestone: m,
      labels: ["cw:detail", "cw:run"],
      body: planBody(
        {
          tasks: [
            { key: "csv", title: "CSV export" },
            { key: "pdf", title: "PDF export", dependsOn: ["csv"] },
          ],
        },
        "Split the exports.",
      ),
    });
    await runUntilQuiet(booted, fake);
    const [cs] = await booted.database.db.select().from(changeSets);
    expect(cs).toMatchObject({ mode: "detail", status: "applied", issueNumber: big });
    const parent = fake.issue(big)!;
    const csv = byTitle(fake, "CSV export");
    const pdf = byTitle(fake, "PDF export");
    expect(csv.parent).toBe(parent.id);
    expect(pdf.parent).toBe(parent.id);
    expect(pdf.blockedBy).toEqual([csv.id]);
    expect([csv.milestone, pdf.milestone]).toEqual([m, m]);
    expect((await taskOf(csv.number)).initiativeId).toBe((await taskOf(big)).initiativeId);
  });

  it("plan_approval: true in .github/codewalkers.yml makes a plan a proposal until /cw apply", { timeout: 90_000 }, async () => {
    const { fake } = await installedRepository(booted, { "README.md": "# Shop\n" });
    fake.setFile(".github/codewalkers.yml", "plan_approval: true\n");
    booted.app.services.repoConfig.forget(fake.fullName); // read at installation, before the file
    const m = fake.createMilestone({ title: "Accounts", description: "Sign-up, with no settings block." });
    const planIssue = fake.openIssue({
      title: "Plan accounts",
      milestone: m,
      labels: ["cw:plan", "cw:run"],
      body: planBody({ tasks: [{ key: "t", title: "Sign-up form" }] }),
    });
    await runUntilQuiet(booted, fake);
    const [cs] = await booted.database.db.select().from(changeSets);
    expect(cs!.status).toBe("proposed");
    expect(fake.requests.filter((r) => r.route === CREATE)).toHaveLength(0);
    expect(fake.commentsOn(planIssue).some((c) => c.body.includes(`/cw apply ${cs!.id}`))).toBe(true);

    fake.comment(planIssue, `/cw apply ${cs!.id}`);
    await runUntilQuiet(booted, fake);
    expect(fake.requests.filter((r) => r.route === CREATE)).toHaveLength(1);
    expect(byTitle(fake, "Sign-up form").milestone).toBe(m);
    const [applied] = await booted.database.db.select().from(changeSets);
    expect(applied!.status).toBe("applied");
  });

  it("a revert of a change set whose created task is running stops its agent first, then closes the issue", { timeout: 90_000 }, async () => {
    const { fake } = await installedRepository(booted, { "README.md": "# Shop\n" });
    const barriers = dropBox(path.join(scratch, "barriers"));
    const started = path.join(barriers, "started");
    const never = path.join(barriers, "never");
    const m = fake.createMilestone({ title: "Search" });
    const planIssue = fake.openIssue({
      title: "Plan search",
      milestone: m,
      labels: ["cw:plan", "cw:run"],
      body: planBody({
        tasks: [
          {
            key: "t",
            title: "Tokenizer",
            body: fakeAgentScript({
              steps: [
                { behavior: "wait-file", touch: started, path: never, timeoutMs: 25_000 },
                { behavior: "edit", files: { "tok.txt": "late\n" } },
              ],
            }),
          },
        ],
      }),
    });
    // The plan runs; its task is created and ready.
    await fake.converge(booted.app.port, booted.settle);
    expect(await booted.app.dispatcher.dispatchOnce()).toBe(1);
    await booted.app.dispatcher.idle();
    await fake.converge(booted.app.port, booted.settle);
    const [cs] = await booted.database.db.select().from(changeSets);
    expect(cs!.status).toBe("applied");
    const tok = byTitle(fake, "Tokenizer");

    // Its agent works (and would for 25 s) when the revert comes.
    const running = booted.app.dispatcher.drain();
    await convergeUntil(booted, fake, "the created task's agent at work", () => existsSync(started));
    fake.comment(planIssue, `/cw revert ${cs!.id}`);
    await convergeUntil(booted, fake, "the issue closed as not planned", () => fake.issue(tok.number)!.stateReason === "not_planned");
    await running;
    await fake.converge(booted.app.port, booted.settle);

    const task = await taskOf(tok.number);
    expect(task.status).toBe("cancelled");
    const [agent] = await booted.database.db.select().from(agents).where(eq(agents.taskId, task.id));
    expect(agent!.status).toBe("stopped");
    expect(existsSync(never)).toBe(false);
    const reply = fake.commentsOn(planIssue).find((c) => c.body.includes(`Reverting change set \`${cs!.id}\``))!.body;
    expect(reply).toContain(`#${tok.number} Tokenizer: closed as not planned (its agent was stopped)`);
    expect(fake.issue(tok.number)!.state).toBe("closed");
  });
});
