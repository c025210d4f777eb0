/**
 * Checkpoint tasks end to end (`cw:checkpoint:*`): a human-verify checkpoint's agent runs, then
 * its work waits for a writer's `/cw approve`; a decision checkpoint asks its question and the
 * next writer's reply decides; a human-action checkpoint is assigned to the writer who started
 * it and completes when a person closes it. In each case the tasks waiting on the checkpoint
 * start only once it is settled, and are given its summary. GitHub is the fake; git is real;
 * the agent is the fake agent, run through the `command` adapter.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { agents, messages, tasks } from "../../src/db/schema.js";
import { FAKE_AGENT, useFakeAgentApp } from "../support/fake-agent-app.js";
import type { FakeGitHub } from "../support/fake-github/index.js";
import { readFileAt } from "../support/git-fixtures.js";
import { READER, WRITER } from "../support/payloads.js";
import { fakeAgentScript, installedRepository, runUntilQuiet, statusOf } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const { booted, scratch } = useFakeAgentApp("cw-checkpoints-e2e-", { config: () => ({ agentCommand: AGENT_COMMAND }) });
const captures = path.join(scratch, "captures");
// Keeps a copy of each run's input files, so the test can read what a dependent was told.
// (Each run is another OS user: the copies are made writable for the next.)
const AGENT_COMMAND = [
  "umask 000",
  `rm -rf "${captures}/$CW_TASK_ID"`,
  `mkdir -p "${captures}/$CW_TASK_ID"`,
  `cp -r "$CW_INPUT_DIR/." "${captures}/$CW_TASK_ID/"`,
  `exec node "${FAKE_AGENT}"`,
].join(" && ");

const ASSIGNEES_ROUTE = "POST /repos/{owner}/{repo}/issues/{issue_number}/assignees";

async function taskFor(issueNumber: number) {
  const [task] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, issueNumber));
  return task!;
}

async function agentsOf(issueNumber: number) {
  return booted.database.db
    .select()
    .from(agents)
    .where(eq(agents.taskId, (await taskFor(issueNumber)).id));
}

/** The app's comment under a marker (`<!-- codewalkers:marker -->`), as the issue shows it now. */
function appComment(fake: FakeGitHub, issueNumber: number, marker: string): string | undefined {
  return fake.commentsOn(issueNumber).find((c) => c.body.startsWith(`<!-- codewalkers:${marker} -->`))?.body;
}

/** What an agent of `issueNumber` was told about the task `about` (its context file). */
async function contextOf(issueNumber: number, about: number): Promise<string> {
  return readFileSync(path.join(captures, (await taskFor(issueNumber)).id, "context", "tasks", `${about}.md`), "utf8");
}

async function converge(fake: FakeGitHub): Promise<void> {
  await fake.converge(booted.app.port, booted.settle);
}

/** A checkpoint and a task that depends on it, in one milestone, both started by a writer. */
async function checkpointWithDependent(fake: FakeGitHub, type: string, checkpoint: { title: string; body: string }) {
  const m = fake.createMilestone({ title: "Launch" });
  const gate = fake.openIssue({ ...checkpoint, milestone: m, labels: [type] });
  const after = fake.openIssue({
    title: "Build on it",
    milestone: m,
    body: `Depends on #${gate}${fakeAgentScript({ behavior: "edit", files: { "after.txt": "built\n" }, summary: "Built on it." })}`,
  });
  fake.addLabels(gate, ["cw:run"], WRITER);
  fake.addLabels(after, ["cw:run"], WRITER);
  await converge(fake);
  return { gate, after };
}

describe("a human-verify checkpoint", () => {
  it("waits after its agent is done until a writer approves, then completes and frees its dependents", async () => {
    const { fake, remote } = await installedRepository(booted);
    const { gate, after } = await checkpointWithDependent(fake, "cw:checkpoint:human-verify", {
      title: "Write the greeting",
      body:
        "Create greeting.txt.\n\n- [ ] greeting.txt says hello\n- [ ] nothing else changed" +
        fakeAgentScript({ behavior: "edit", files: { "greeting.txt": "hello\n" }, summary: "Wrote greeting.txt saying hello." }),
    });
    expect(statusOf(fake, gate)).toEqual(["cw:ready"]);
    expect(statusOf(fake, after)).toEqual(["cw:blocked"]);

    await runUntilQuiet(booted, fake);
    // The agent ran and its work was merged as usual, but the task waits for a person.
    expect(await readFileAt(remote, "cw/launch", "greeting.txt")).toBe("hello\n");
    expect(await taskFor(gate)).toMatchObject({ status: "in_progress", claimedBy: null, summary: "Wrote greeting.txt saying hello." });
    expect(statusOf(fake, gate)).toEqual(["cw:needs-input"]);
    expect(statusOf(fake, after)).toEqual(["cw:blocked"]);
    expect(await agentsOf(after)).toEqual([]);
    expect(appComment(fake, gate, "agent")).toContain("finished this task");
    const ask = appComment(fake, gate, "checkpoint");
    expect(ask).toContain("Please verify");
    expect(ask).toContain("Wrote greeting.txt saying hello.");
    expect(ask).toContain("- [ ] greeting.txt says hello");
    expect(ask).toContain("- [ ] nothing else changed");
    expect(ask).toContain("`/cw approve`");

    // A reader's approval is refused politely, and changes nothing.
    fake.comment(gate, "/cw approve", READER);
    await runUntilQuiet(booted, fake);
    expect(appComment(fake, gate, `refusal:${READER.login}`)).toContain("write access");
    expect((await taskFor(gate)).status).toBe("in_progress");
    expect(statusOf(fake, gate)).toEqual(["cw:needs-input"]);
    expect(statusOf(fake, after)).toEqual(["cw:blocked"]);

    // Approving a task that waits for no approval says so.
    fake.comment(after, "/cw approve", WRITER);
    await converge(fake);
    expect(appComment(fake, after, "reply")).toContain("Nothing to approve: it is not waiting for approval.");

    fake.comment(gate, "/cw approve", WRITER);
    await converge(fake);
    expect(appComment(fake, gate, "reply")).toContain("Approved: the agent's work is verified");
    expect(await taskFor(gate)).toMatchObject({ status: "completed", summary: "Wrote greeting.txt saying hello." });
    expect(statusOf(fake, gate)).toEqual(["cw:done"]);
    expect(appComment(fake, gate, "checkpoint")).toContain(`@${WRITER.login} approved`);
    expect(statusOf(fake, after)).toEqual(["cw:ready"]);

    await runUntilQuiet(booted, fake);
    expect((await taskFor(after)).status).toBe("completed");
    expect(await contextOf(after, gate)).toContain("Wrote greeting.txt saying hello.");
    // The checkpoint ran its agent once: approval does not run it again.
    expect(await agentsOf(gate)).toHaveLength(1);

    fake.comment(gate, "/cw approve", WRITER);
    await converge(fake);
    expect(appComment(fake, gate, "reply")).toContain("Nothing to approve: it is not waiting for approval.");
  });

  it("runs the agent again on /cw retry, and is cancelled as usual when its issue is closed before approval", async () => {
    const { fake } = await installedRepository(booted);
    const n = fake.openIssue({
      title: "Tidy up",
      labels: ["cw:run", "cw:checkpoint:human-verify"],
      body: `Remove the clutter.${fakeAgentScript({ behavior: "edit", files: { "tidy.txt": "tidy\n" }, summary: "Tidied." })}`,
    });
    await runUntilQuiet(booted, fake);
    expect(statusOf(fake, n)).toEqual(["cw:needs-input"]);
    expect(appComment(fake, n, "checkpoint")).toContain("> Remove the clutter.");

    fake.comment(n, "/cw retry", WRITER);
    await converge(fake);
    expect(appComment(fake, n, "checkpoint")).toContain("asked for another run");
    expect(statusOf(fake, n)).toEqual(["cw:ready"]);
    await runUntilQuiet(booted, fake);
    expect(await agentsOf(n)).toHaveLength(2);
    expect(statusOf(fake, n)).toEqual(["cw:needs-input"]);
    expect(appComment(fake, n, "checkpoint")).toContain("Please verify");

    fake.closeIssue(n, WRITER);
    await runUntilQuiet(booted, fake);
    expect((await taskFor(n)).status).toBe("cancelled");
    expect(statusOf(fake, n)).toEqual([]);
    expect(await agentsOf(n)).toHaveLength(2);
  });
});

describe("a decision checkpoint", () => {
  it("asks its question without an agent, and the next writer's reply decides", async () => {
    const { fake } = await installedRepository(booted);
    const { gate, after } = await checkpointWithDependent(fake, "cw:checkpoint:decision", {
      title: "Pick the database",
      body: "Which database do we store users in?\n\n- [ ] PostgreSQL\n- [ ] SQLite",
    });
    expect(statusOf(fake, gate)).toEqual(["cw:needs-input"]);
    expect(statusOf(fake, after)).toEqual(["cw:blocked"]);
    const ask = appComment(fake, gate, "checkpoint")!;
    expect(ask).toContain("A decision is needed");
    expect(ask).toContain("> Which database do we store users in?");
    expect(ask).toContain("1. PostgreSQL\n2. SQLite");

    // No runner takes it, even if it were left ready.
    await runUntilQuiet(booted, fake);
    expect(await agentsOf(gate)).toEqual([]);
    await booted.database.db
      .update(tasks)
      .set({ status: "pending" })
      .where(eq(tasks.id, (await taskFor(gate)).id));
    expect(await booted.app.dispatcher.dispatchOnce()).toBe(0);
    await booted.database.db
      .update(tasks)
      .set({ status: "in_progress" })
      .where(eq(tasks.id, (await taskFor(gate)).id));

    // A reader's reply is discussion, not the decision.
    const before = fake.commentsOn(gate).length;
    fake.comment(gate, "SQLite, surely?", READER);
    await runUntilQuiet(booted, fake);
    expect(fake.commentsOn(gate)).toHaveLength(before + 1);
    expect((await taskFor(gate)).status).toBe("in_progress");
    expect(statusOf(fake, gate)).toEqual(["cw:needs-input"]);

    // A command is not the decision either; `/cw approve` says what is awaited.
    fake.comment(gate, "/cw approve", WRITER);
    await converge(fake);
    expect(appComment(fake, gate, "reply")).toContain("Nothing to approve: it is a decision checkpoint waiting for a decision");
    expect((await taskFor(gate)).status).toBe("in_progress");
    fake.comment(gate, "/cw status", WRITER);
    await converge(fake);
    expect(appComment(fake, gate, "reply")).toContain("`cw:needs-input` — this task waits for a person");
    expect(appComment(fake, gate, "reply")).toContain("**Waiting for:** a writer's decision");

    fake.comment(gate, "2", WRITER);
    await converge(fake);
    expect(await taskFor(gate)).toMatchObject({ status: "completed", summary: `Decided by @${WRITER.login}: SQLite` });
    expect(statusOf(fake, gate)).toEqual(["cw:done"]);
    expect(appComment(fake, gate, "checkpoint")).toContain(`**Decided** by @${WRITER.login}:\n\n> SQLite`);
    expect(statusOf(fake, after)).toEqual(["cw:ready"]);
    const stored = await booted.database.db
      .select()
      .from(messages)
      .where(eq(messages.taskId, (await taskFor(gate)).id));
    expect(stored.map((m) => [m.type, m.status, m.author])).toEqual([
      ["question", "responded", null],
      ["response", "pending", WRITER.login],
    ]);

    await runUntilQuiet(booted, fake);
    expect((await taskFor(after)).status).toBe("completed");
    expect(await contextOf(after, gate)).toContain(`Decided by @${WRITER.login}: SQLite`);
    expect(await agentsOf(gate)).toEqual([]);
  });

  it("asks the body itself when it lists no options", async () => {
    const { fake } = await installedRepository(booted);
    const n = fake.openIssue({ title: "Ship day", labels: ["cw:run", "cw:checkpoint:decision"], body: "Should we ship on Friday?" });
    await converge(fake);
    const ask = appComment(fake, n, "checkpoint")!;
    expect(ask).toContain("> Should we ship on Friday?");
    expect(ask).not.toContain("Options");

    fake.comment(n, "No: Monday.", WRITER);
    await runUntilQuiet(booted, fake);
    expect(await taskFor(n)).toMatchObject({ status: "completed", summary: `Decided by @${WRITER.login}: No: Monday.` });
    // Standalone, with no work on a branch: done, with no pull request to wait for.
    expect(statusOf(fake, n)).toEqual(["cw:done"]);
    expect(fake.pulls()).toEqual([]);
  });
});

describe("a human-action checkpoint", () => {
  it("is assigned to the writer who started it, and completes when a person closes it", async () => {
    const { fake } = await installedRepository(booted);
    const { gate, after } = await checkpointWithDependent(fake, "cw:checkpoint:human-action", {
      title: "Create the cloud account",
      body: "Create the production account and note its id in the wiki.",
    });
    expect(statusOf(fake, gate)).toEqual(["cw:needs-input"]);
    expect(fake.issue(gate).assignees.map((u) => u.login)).toEqual([WRITER.login]);
    expect(fake.counts().byRoute[ASSIGNEES_ROUTE]).toBe(1);
    const ask = appComment(fake, gate, "checkpoint")!;
    expect(ask).toContain(`@${WRITER.login}, this is assigned to you`);
    expect(ask).toContain("> Create the production account and note its id in the wiki.");
    expect(ask).toContain("Close this issue once it is done");
    await runUntilQuiet(booted, fake);
    expect(await agentsOf(gate)).toEqual([]);
    expect(statusOf(fake, after)).toEqual(["cw:blocked"]);

    fake.closeIssue(gate, WRITER);
    await converge(fake);
    expect(await taskFor(gate)).toMatchObject({ status: "completed", summary: `Done by a person (@${WRITER.login}), who closed the issue.` });
    expect(statusOf(fake, gate)).toEqual(["cw:done"]);
    expect(appComment(fake, gate, "checkpoint")).toContain(`@${WRITER.login} closed this issue`);
    expect(statusOf(fake, after)).toEqual(["cw:ready"]);

    // Reopened by a writer: it was not done after all. Its person is asked again, and the
    // dependent that had not started yet waits again.
    fake.reopenIssue(gate, WRITER);
    await converge(fake);
    expect(await taskFor(gate)).toMatchObject({ status: "in_progress", summary: null });
    expect(statusOf(fake, gate)).toEqual(["cw:needs-input"]);
    expect(appComment(fake, gate, "checkpoint")).toContain("Close this issue once it is done");
    expect(fake.issue(gate).assignees.map((u) => u.login)).toEqual([WRITER.login]);
    expect(statusOf(fake, after)).toEqual(["cw:blocked"]);

    fake.closeIssue(gate, WRITER);
    await runUntilQuiet(booted, fake);
    expect((await taskFor(after)).status).toBe("completed");
    expect(await contextOf(after, gate)).toContain(`Done by a person (@${WRITER.login})`);
    expect(await agentsOf(gate)).toEqual([]);
  });

  it("is cancelled, not completed, when its issue is closed as not planned", async () => {
    const { fake } = await installedRepository(booted);
    const n = fake.openIssue({ title: "Sign the contract", labels: ["cw:run", "cw:checkpoint:human-action"] });
    await converge(fake);
    expect(statusOf(fake, n)).toEqual(["cw:needs-input"]);
    expect(appComment(fake, n, "checkpoint")).toContain("> Sign the contract");

    fake.closeIssue(n, WRITER, "not_planned");
    await converge(fake);
    expect((await taskFor(n)).status).toBe("cancelled");
    expect(statusOf(fake, n)).toEqual([]);
  });
});

describe("a phase of person checkpoints only", () => {
  it("completes without a pull request once its person is done, and the phase after it starts", async () => {
    const { fake } = await installedRepository(booted);
    const m = fake.createMilestone({ title: "Launch" });
    const first = fake.openIssue({ title: "Decide", milestone: m, labels: ["cw:phase"] });
    const second = fake.openIssue({ title: "Build", milestone: m, labels: ["cw:phase"] });
    fake.addBlockedBy(second, first);
    const decision = fake.openIssue({ title: "Pick the database", milestone: m, body: "- [ ] PostgreSQL\n- [ ] SQLite", labels: ["cw:checkpoint:decision"] });
    const build = fake.openIssue({
      title: "Build it",
      milestone: m,
      body: fakeAgentScript({ behavior: "edit", files: { "db.txt": "sqlite\n" }, summary: "Built it." }),
    });
    fake.addSubIssue(first, decision);
    fake.addSubIssue(second, build);
    fake.addLabels(decision, ["cw:run"], WRITER);
    fake.addLabels(build, ["cw:run"], WRITER);
    await runUntilQuiet(booted, fake);
    expect(statusOf(fake, decision)).toEqual(["cw:needs-input"]);
    expect(statusOf(fake, build)).toEqual(["cw:blocked"]);

    fake.comment(decision, "2", WRITER);
    await runUntilQuiet(booted, fake);
    // Nothing was committed for the first phase: no branch, no PR; it is complete and closed.
    expect(fake.issue(first).state).toBe("closed");
    expect(statusOf(fake, first)).toEqual(["cw:done"]);
    expect(fake.issue(decision).state).toBe("closed");
    expect(fake.branchSha(`cw/launch--phase-${first}`)).toBeUndefined();
    // The phase after it ran, from the initiative branch, and its PR is the only one.
    expect((await taskFor(build)).status).toBe("completed");
    expect(fake.pulls().map((p) => [p.head.ref, p.base.ref])).toEqual([[`cw/launch--phase-${second}`, "cw/launch"]]);
  });
});
