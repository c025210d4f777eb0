/**
 * Project boards, end to end: a milestone with a phase of two dependent tasks on an organization
 * project → both cards appear (T2 blocked), T1 goes In Progress → In Review → Done with no
 * redundant board write; a writer's drag to Ready starts a task (the trigger label appears);
 * a reader's drag starts nothing and gets one reply; a Done card dragged back is set back.
 * Real git, the fake agent, the fake GitHub with its Projects v2 model.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { tasks } from "../../src/db/schema.js";
import { useFakeAgentApp } from "../support/fake-agent-app.js";
import { READER, WRITER } from "../support/payloads.js";
import { convergeUntil, fakeAgentScript, installedRepository, runUntilQuiet, statusOf } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";
import { dropBox } from "../support/scratch.js";

useStrictNock();
const { booted, scratch } = useFakeAgentApp("cw-board-e2e-");
const barriers = dropBox(path.join(scratch, "barriers"));

const script = (file: string, summary: string) =>
  `\n\n\`\`\`fake-agent\n${JSON.stringify({ behavior: "edit", files: { [file]: `${summary}\n` }, summary })}\n\`\`\`\n`;

describe("project boards", () => {
  it("mirrors every task and phase, starts a task a writer drags to Ready, and sets back every other move", { timeout: 120_000 }, async () => {
    const { fake } = await installedRepository(booted, { "README.md": "# Shop\n" });
    fake.setFile(".github/codewalkers.yml", "board: https://github.com/orgs/Codertocat/projects/1\n");
    booted.app.services.repoConfig.forget(fake.fullName); // read at installation, before the file
    const board = fake.projects.create({
      number: 1,
      statusOptions: ["Todo", "Blocked", "Ready", "In Progress", "In Review", "Done"],
      fields: [
        { name: "Phase", dataType: "TEXT" },
        { name: "Agent", dataType: "TEXT" },
        { name: "Attempts", dataType: "NUMBER" },
      ],
    });
    const node = (n: number) => `I_${fake.issue(n).id}`;
    const card = (n: number) => fake.projects.card(board, node(n));

    const m = fake.createMilestone({ title: "Checkout" });
    const p1 = fake.openIssue({ title: "Cart", milestone: m, labels: ["cw:phase"] });
    // T1's agent waits for the test, so that its card can be seen In Progress.
    const go = path.join(barriers, "go");
    const t1 = fake.openIssue({
      title: "Cart model",
      milestone: m,
      body: fakeAgentScript({
        steps: [
          { behavior: "wait-file", path: go, timeoutMs: 20_000 },
          { behavior: "edit", files: { "cart.txt": "Did the model.\n" }, summary: "Did the model." },
        ],
      }),
    });
    const t2 = fake.openIssue({ title: "Cart view", milestone: m, body: `Depends on #${t1}${script("view.txt", "Did the view.")}` });
    fake.addSubIssue(p1, t1);
    fake.addSubIssue(p1, t2);
    for (const n of [t1, t2]) fake.addLabels(n, ["cw:run"], WRITER);
    await fake.converge(booted.app.port, booted.settle);

    expect(card(t1)).toMatchObject({ Status: "Ready", Phase: "Cart" });
    expect(card(t2)).toMatchObject({ Status: "Blocked", Phase: "Cart" });
    expect(card(p1)).toMatchObject({ Status: "Ready", Phase: "Cart" }); // a phase not started yet

    const running = booted.app.dispatcher.drain();
    await convergeUntil(booted, fake, "T1's card In Progress", () => card(t1)?.Status === "In Progress");
    expect(card(t2)).toMatchObject({ Status: "Blocked" });
    writeFileSync(go, "");
    await running;
    await runUntilQuiet(booted, fake);
    expect(statusOf(fake, t1)).toEqual(["cw:in-review"]);
    expect(card(t1)).toMatchObject({ Status: "In Review", Attempts: 1, Agent: expect.any(String) });
    expect(card(t2)).toMatchObject({ Status: "In Review", Attempts: 1 });
    expect(card(p1)).toMatchObject({ Status: "In Review" });
    // T1's Status went Ready → In Progress → In Review, each value written once.
    const statusWrites = (n: number) => fake.projects.writes.filter((w) => w.contentNodeId === node(n) && w.field === "Status").map((w) => w.value);
    expect(statusWrites(t1)).toEqual(["Ready", "In Progress", "In Review"]);
    expect(fake.projects.writes.filter((w) => w.op === "add")).toHaveLength(3);

    // A reader's drag starts nothing: one polite reply, and the card goes back.
    fake.setPermission(READER.login, "read");
    fake.projects.moveCard(board, node(t2), "Ready", READER);
    await fake.converge(booted.app.port, booted.settle);
    fake.projects.moveCard(board, node(t2), "Ready", READER);
    await fake.converge(booted.app.port, booted.settle);
    expect(fake.commentsOn(t2).filter((c) => c.body.includes(`@${READER.login}`))).toHaveLength(1);
    expect(card(t2)!.Status).toBe("In Review");

    // The phase is approved and merged: every card is Done; a Done card dragged back is set back.
    const [pr] = fake.pulls();
    fake.approve(pr!.number, WRITER);
    await runUntilQuiet(booted, fake);
    expect(card(t1)!.Status).toBe("Done");
    expect(card(p1)!.Status).toBe("Done");
    fake.projects.moveCard(board, node(t1), "Todo", WRITER);
    await fake.converge(booted.app.port, booted.settle);
    expect(card(t1)!.Status).toBe("Done");

    // A stopped task, dragged to Ready by a writer, starts again as the trigger label starts it.
    const t3 = fake.openIssue({ title: "Receipts", labels: ["cw:run"], body: script("receipts.txt", "Did receipts.") }, WRITER);
    await fake.converge(booted.app.port, booted.settle);
    expect(card(t3)!.Status).toBe("Ready");
    fake.removeLabel(t3, "cw:run", WRITER);
    await fake.converge(booted.app.port, booted.settle);
    const [stopped] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, t3));
    expect(stopped!.status).toBe("cancelled");
    fake.projects.moveCard(board, node(t3), "Todo", WRITER);
    await fake.converge(booted.app.port, booted.settle);
    fake.projects.moveCard(board, node(t3), "Ready", WRITER);
    await runUntilQuiet(booted, fake);
    expect(fake.labelsOf(t3)).toContain("cw:run");
    const [ran] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, t3));
    expect(ran!.status).toBe("completed");
    expect(["In Review", "Done"]).toContain(card(t3)!.Status);

    expect(fake.projects.writes.filter((w) => w.redundant)).toEqual([]);
    expect(fake.counts().redundantWrites).toBe(0);
  });
});
