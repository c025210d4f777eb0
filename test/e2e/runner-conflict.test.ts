/**
 * What the runner does with work that cannot be merged, and with no work at all: two
 * independent tasks of one milestone whose agents write the same file differently (one merges
 * into the initiative branch, the other fails, naming the file, with its work kept on its own
 * branch), and a task whose agent changes nothing (done, "Changes: none.", no merge). Real git
 * on a bare remote; the fake agent through the `command` adapter.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { agents, initiatives, tasks } from "../../src/db/schema.js";
import { useBootedApp } from "../support/boot.js";
import { FakeGitHub } from "../support/fake-github/index.js";
import { branchSha, commitParents, createBareRemote, logSubjects, readFileAt, type BareRemote } from "../support/git-fixtures.js";
import { WRITER } from "../support/payloads.js";
import { fakeAgentScript, runUntilQuiet, statusOf } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";

const FAKE_AGENT = fileURLToPath(new URL("../support/fake-agent.mjs", import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), "cw-runner-conflict-"));
const barrier = path.join(scratch, "barrier");
// An agent whose task says "wait-for-sibling" starts working only once two such agents have
// started: both worktrees then come from the same initiative commit, as when two runners take
// two tasks at the same moment, and neither sees the other's work.
const AGENT_COMMAND = [
  `if grep -q wait-for-sibling "$CW_INPUT_DIR/task.md"; then`,
  `  touch "${barrier}/$CW_TASK_ID";`,
  `  while [ "$(ls "${barrier}" | wc -l)" -lt 2 ]; do sleep 0.05; done;`,
  `fi;`,
  // A task saying "finish-without-changes", when resumed, ends done without touching a file.
  `if [ "$CW_RESUME" = 1 ] && grep -q finish-without-changes "$CW_INPUT_DIR/task.md"; then`,
  `  export FAKE_AGENT_SCRIPT='{"behavior":"done","summary":"Checked the notes; nothing more to do."}';`,
  `fi;`,
  `exec node "${FAKE_AGENT}"`,
].join(" ");

useStrictNock();
const booted = useBootedApp(
  () => ({ workDir: path.join(scratch, "work"), agent: "command", agentCommand: AGENT_COMMAND, maxAgents: 2 }),
  { maxRetries: 2, timeoutSeconds: 20, idleSeconds: 10 },
);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const script = fakeAgentScript;

async function setup(): Promise<{ fake: FakeGitHub; remote: BareRemote }> {
  rmSync(barrier, { recursive: true, force: true });
  mkdirSync(barrier, { recursive: true });
  const remote = await createBareRemote({ files: { "README.md": "# Settings\n" } });
  const fake = new FakeGitHub({ repositories: [{ cloneUrl: remote.path }] });
  fake.install();
  await fake.converge(booted.app.port, booted.settle);
  await booted.app.reconciler.drain();
  await fake.converge(booted.app.port, booted.settle);
  return { fake, remote };
}

async function taskFor(issueNumber: number) {
  const [task] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, issueNumber));
  return task!;
}

async function initiativeBranch(): Promise<string> {
  const [initiative] = await booted.database.db.select().from(initiatives);
  return initiative!.branch!;
}

describe("merging a task's work", () => {
  it("merges the first of two conflicting tasks and fails the other, naming the file", async () => {
    const { fake, remote } = await setup();
    const m = fake.createMilestone({ title: "Settings" });
    const writes = { a: "colour = blue\n", b: "colour = green\n" };
    const a = fake.openIssue({
      title: "Make it blue",
      milestone: m,
      body: "wait-for-sibling" + script({ behavior: "edit", files: { "settings.conf": writes.a }, summary: "Blue." }),
      labels: ["cw:run"],
    });
    const b = fake.openIssue({
      title: "Make it green",
      milestone: m,
      body: "wait-for-sibling" + script({ behavior: "edit", files: { "settings.conf": writes.b }, summary: "Green." }),
      labels: ["cw:run"],
    });
    await fake.converge(booted.app.port, booted.settle);
    expect(statusOf(fake, a)).toEqual(["cw:ready"]);
    expect(statusOf(fake, b)).toEqual(["cw:ready"]);

    await runUntilQuiet(booted, fake);

    const [ta, tb] = [await taskFor(a), await taskFor(b)];
    expect([ta.status, tb.status].sort()).toEqual(["completed", "failed"]);
    const [merged, conflicted] = ta.status === "completed" ? [ta, tb] : [tb, ta];
    const mergedText = merged.issueNumber === a ? writes.a : writes.b;
    const conflictedText = conflicted.issueNumber === a ? writes.a : writes.b;
    const target = await initiativeBranch();

    // The initiative branch has the first task's work, merged from its branch.
    expect(await readFileAt(remote, target, "settings.conf")).toBe(mergedText);
    expect(await readFileAt(remote, merged.branch!, "settings.conf")).toBe(mergedText);
    const tip = (await branchSha(remote, target))!;
    expect(await commitParents(remote, tip)).toHaveLength(2);
    expect((await logSubjects(remote, target))[0]).toBe(`Merge ${merged.branch}: ${merged.name}`);
    // The other's work is kept on its own branch, and nowhere else.
    expect(await readFileAt(remote, conflicted.branch!, "settings.conf")).toBe(conflictedText);
    expect(await logSubjects(remote, target)).not.toContain(conflicted.name);
    expect(await readFileAt(remote, "main", "settings.conf")).toBeUndefined();

    expect(merged).toMatchObject({ summary: mergedText === writes.a ? "Blue." : "Green.", lastError: null });
    // A conflict is not something a retry of the agent fixes: failed at once, not retried.
    expect(conflicted).toMatchObject({ status: "failed", retryCount: 0, attempt: 1, summary: null });
    expect(conflicted.lastError).toBe(`merging ${conflicted.branch} into ${target} conflicts in settings.conf`);
    expect(await booted.database.db.select().from(agents).where(eq(agents.taskId, conflicted.id))).toHaveLength(1);

    expect(statusOf(fake, merged.issueNumber!)).toEqual(["cw:done"]);
    expect(statusOf(fake, conflicted.issueNumber!)).toEqual(["cw:failed"]);
    const done = fake.commentsOn(merged.issueNumber!).filter((c) => c.body.includes("Agent `"));
    expect(done).toHaveLength(1);
    expect(done[0]!.body).toContain(`merged into \`${target}\``);
    const failed = fake.commentsOn(conflicted.issueNumber!).filter((c) => c.body.includes("Agent `"));
    expect(failed).toHaveLength(1);
    expect(failed[0]!.body).toContain("could not finish this task");
    expect(failed[0]!.body).toContain(`Its work is on \`${conflicted.branch}\``);
    expect(failed[0]!.body).toContain(`merging it into \`${target}\` conflicts in \`settings.conf\``);
    expect(failed[0]!.body).toContain("Resolve the conflict on the branch, then `/cw retry`.");

    // /cw retry makes it ready again, for after the conflict is resolved.
    fake.comment(conflicted.issueNumber!, "/cw retry", WRITER);
    await fake.converge(booted.app.port, booted.settle);
    expect((await taskFor(conflicted.issueNumber!)).status).toBe("pending");
    expect(statusOf(fake, conflicted.issueNumber!)).toEqual(["cw:ready"]);
  });

  it("completes a task whose agent changed nothing, with no commit and no merge", async () => {
    const { fake, remote } = await setup();
    const m = fake.createMilestone({ title: "Audit" });
    const n = fake.openIssue({
      title: "Check the readme",
      milestone: m,
      body: "Look, change nothing." + script({ behavior: "done", summary: "The readme is fine as it is." }),
      labels: ["cw:run"],
    });
    await runUntilQuiet(booted, fake);

    const task = await taskFor(n);
    expect(task).toMatchObject({ status: "completed", summary: "The readme is fine as it is.", lastError: null });
    const target = await initiativeBranch();
    const main = await branchSha(remote, "main");
    // The initiative branch was made from the default branch and nothing was merged into it.
    expect(await branchSha(remote, target)).toBe(main);
    // Nothing was committed, so nothing was pushed for the task.
    const own = await branchSha(remote, task.branch!);
    expect(own === undefined || own === main).toBe(true);

    expect(statusOf(fake, n)).toEqual(["cw:done"]);
    const reports = fake.commentsOn(n).filter((c) => c.body.includes("Agent `"));
    expect(reports).toHaveLength(1);
    expect(reports[0]!.body).toContain("finished this task");
    expect(reports[0]!.body).toContain("The readme is fine as it is.");
    expect(reports[0]!.body).toContain("**Changes:** none.");
    expect(reports[0]!.body).toContain(`**Branch:** \`${task.branch}\``);
    expect(reports[0]!.body).not.toContain("merged into");
  });

  it("merges the work an earlier attempt pushed, when the last attempt changes nothing more", async () => {
    const { fake, remote } = await setup();
    const m = fake.createMilestone({ title: "Notes" });
    const n = fake.openIssue({
      title: "Write the notes",
      milestone: m,
      body:
        "finish-without-changes" +
        script({ steps: [{ behavior: "edit", files: { "notes.md": "# Notes\n" } }, { behavior: "fail", message: "ran out of steam" }] }),
      labels: ["cw:run"],
    });
    await runUntilQuiet(booted, fake);
    let task = await taskFor(n);
    expect(task).toMatchObject({ status: "pending", retryCount: 1 });
    const target = await initiativeBranch();
    // The first attempt's work was kept on the task's branch, not merged.
    expect(await readFileAt(remote, task.branch!, "notes.md")).toBe("# Notes\n");
    expect(await readFileAt(remote, target, "notes.md")).toBeUndefined();

    await booted.database.db.update(tasks).set({ runAfter: new Date(0) }).where(eq(tasks.id, task.id));
    await runUntilQuiet(booted, fake);
    task = await taskFor(n);
    expect(task).toMatchObject({ status: "completed", attempt: 2, summary: "Checked the notes; nothing more to do." });
    expect(await readFileAt(remote, target, "notes.md")).toBe("# Notes\n");
    expect((await logSubjects(remote, target))[0]).toBe(`Merge ${task.branch}: Write the notes`);
    const report = fake.commentsOn(n).find((c) => c.body.includes("finished this task"));
    expect(report?.body).toContain(`merged into \`${target}\``);
  });
});
