/**
 * What the runner does when work does not merge cleanly, and with no work at all. Two tasks of
 * one phase whose agents write the same lines: the first merges into the phase branch, the
 * second's merge conflicts and a merge agent (CW_MODE=merge) resolves it in the same run; or
 * fails to (markers left, an error), is stopped, or sees the phase branch move under it. Also a
 * task whose agent changes nothing (done, "Changes: none.", no merge). Real git on a bare
 * remote; the fake agent through the `command` adapter.
 */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { and, asc, eq } from "drizzle-orm";
import { agentLogChunks, agents, initiatives, phases, tasks } from "../../src/db/schema.js";
import { FAKE_AGENT, useFakeAgentApp } from "../support/fake-agent-app.js";
import type { FakeGitHub } from "../support/fake-github/index.js";
import { branchSha, cloneAndCommit, commitParents, git, logSubjects, readFileAt, type BareRemote } from "../support/git-fixtures.js";
import { WRITER } from "../support/payloads.js";
import { fakeAgentScript, fakeMergeScript, installedRepository, runUntilQuiet, statusOf } from "../support/flows.js";
import { alive, waitFor } from "../support/processes.js";
import { useStrictNock } from "../support/strict-nock.js";
import { dropBox } from "../support/scratch.js";

useStrictNock();
const { booted, scratch } = useFakeAgentApp("cw-runner-conflict-", { config: () => ({ agentCommand: AGENT_COMMAND }), runner: { maxRetries: 2 } });
const barrier = path.join(scratch, "barrier");
// An agent whose task says "wait-for-sibling" starts working only once two such agents have
// started: both worktrees then come from the same initiative commit, as when two runners take
// two tasks at the same moment, and neither sees the other's work.
const AGENT_COMMAND = [
  `if [ "$CW_MODE" != merge ] && grep -q wait-for-sibling "$CW_INPUT_DIR/task.md"; then`,
  `  touch "${barrier}/$CW_TASK_ID";`,
  `  while [ "$(ls "${barrier}" | wc -l)" -lt 2 ]; do sleep 0.05; done;`,
  `fi;`,
  // A task saying "finish-without-changes", when resumed, ends done without touching a file.
  `if [ "$CW_RESUME" = 1 ] && grep -q finish-without-changes "$CW_INPUT_DIR/task.md"; then`,
  `  export FAKE_AGENT_SCRIPT='{"behavior":"done","summary":"Checked the notes; nothing more to do."}';`,
  `fi;`,
  `exec node "${FAKE_AGENT}"`,
].join(" ");

const script = fakeAgentScript;

async function setup(): Promise<{ fake: FakeGitHub; remote: BareRemote }> {
  rmSync(barrier, { recursive: true, force: true });
  dropBox(barrier);
  return installedRepository(booted, { "README.md": "# Settings\n" });
}

async function taskFor(issueNumber: number) {
  const [task] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, issueNumber));
  return task!;
}

async function initiativeBranch(): Promise<string> {
  const [initiative] = await booted.database.db.select().from(initiatives);
  return initiative!.branch!;
}

type Task = typeof tasks.$inferSelect;

/** Two agents, a merge agent (two in one test), a phase PR and its webhooks: on two busy CPUs this takes a while. */
const SLOW = 90_000;

const COLOURS = { blue: "colour = blue\n", green: "colour = green\n" };

/**
 * A phase with two tasks that both write settings.conf, each run by an agent that waits for the
 * other to start (so neither sees the other's work); `merge` is what their merge agent does.
 */
async function conflictingPhase(fake: FakeGitHub, merge: unknown): Promise<{ phase: number; issues: number[] }> {
  const m = fake.createMilestone({ title: "Settings" });
  const phase = fake.openIssue({ title: "Colours", milestone: m, labels: ["cw:phase"] });
  const body = (colour: keyof typeof COLOURS) =>
    "wait-for-sibling" + script({ behavior: "edit", files: { "settings.conf": COLOURS[colour] }, summary: `Made it ${colour}.` }) + fakeMergeScript(merge);
  const issues = [
    fake.openIssue({ title: "Make it blue", milestone: m, body: body("blue") }),
    fake.openIssue({ title: "Make it green", milestone: m, body: body("green") }),
  ];
  for (const n of issues) fake.addSubIssue(phase, n);
  for (const n of issues) fake.addLabels(n, ["cw:run"], WRITER);
  await fake.converge(booted.app.port, booted.settle);
  for (const n of issues) expect(statusOf(fake, n)).toEqual(["cw:ready"]);
  return { phase, issues };
}

/** The two tasks: `first` merged cleanly; `second` met the conflict and got the merge agent. */
async function firstAndSecond(issues: number[]): Promise<{ first: Task; second: Task; phaseBranch: string }> {
  const both = await Promise.all(issues.map(taskFor));
  const merging = await booted.database.db.select().from(agents).where(eq(agents.mode, "merge"));
  const second = both.find((t) => merging.some((a) => a.taskId === t.id));
  const first = both.find((t) => t !== second);
  if (!first || !second) throw new Error("expected exactly one task to have a merge agent");
  const [phase] = await booted.database.db.select().from(phases);
  return { first, second, phaseBranch: phase!.branch! };
}

async function agentsOf(task: Task) {
  return booted.database.db.select().from(agents).where(eq(agents.taskId, task.id)).orderBy(asc(agents.createdAt));
}

function colourOf(task: Task): string {
  return task.name === "Make it blue" ? COLOURS.blue : COLOURS.green;
}

/** The first task's merge, which the phase branch must still end with after a failed resolution. */
async function expectOnlyFirstMerged(remote: BareRemote, phaseBranch: string, first: Task, second: Task): Promise<void> {
  expect((await logSubjects(remote, phaseBranch))[0]).toBe(`Merge ${first.branch}: ${first.name}`);
  expect(await readFileAt(remote, phaseBranch, "settings.conf")).toBe(colourOf(first));
  expect(await logSubjects(remote, phaseBranch)).not.toContain(second.name);
  // The second task's work is kept on its own branch.
  expect(await readFileAt(remote, second.branch!, "settings.conf")).toBe(colourOf(second));
}

function agentComment(fake: FakeGitHub, n: number) {
  const found = fake.commentsOn(n).filter((c) => c.body.startsWith("<!-- codewalkers:agent -->"));
  expect(found).toHaveLength(1);
  return found[0]!.body;
}

describe("merging a task's work", () => {
  it("merges the first of two conflicting tasks; a merge agent resolves the second's conflict in the same run", { timeout: SLOW }, async () => {
    const { fake, remote } = await setup();
    const resolved = "colour = blue-green\n";
    const { issues } = await conflictingPhase(fake, { behavior: "resolve", files: { "settings.conf": resolved }, summary: "Blended blue and green." });

    await runUntilQuiet(booted, fake);

    const { first, second, phaseBranch } = await firstAndSecond(issues);
    expect(first).toMatchObject({ status: "completed", lastError: null });
    expect(second).toMatchObject({
      status: "completed",
      lastError: null,
      retryCount: 0,
      attempt: 1,
      summary: second.name === "Make it blue" ? "Made it blue." : "Made it green.",
    });

    // The phase branch ends with a merge commit of the first task's merge and the second task's head.
    const tip = (await branchSha(remote, phaseBranch))!;
    const [before, taskHead] = await commitParents(remote, tip);
    expect(taskHead).toBe(await branchSha(remote, second.branch!));
    expect(await git(remote.path, ["log", "-1", "--format=%s", before!])).toBe(`Merge ${first.branch}: ${first.name}`);
    expect((await logSubjects(remote, phaseBranch))[0]).toBe(`Merge ${second.branch}: ${second.name}`);
    // ...with the file as the merge agent resolved it, and no conflict marker anywhere.
    expect(await readFileAt(remote, phaseBranch, "settings.conf")).toBe(resolved);
    expect(await readFileAt(remote, phaseBranch, ".cw/input/merge.md")).toBeUndefined();
    // The task's own branch keeps the task's own work.
    expect(await readFileAt(remote, second.branch!, "settings.conf")).toBe(colourOf(second));

    // Two agents for the second task's one attempt: its worker and the merge agent.
    const [worker, merger] = await agentsOf(second);
    expect(worker).toMatchObject({ mode: "execute", status: "idle", attempt: 1 });
    expect(merger).toMatchObject({ mode: "merge", status: "idle", attempt: 1, result: "Blended blue and green.", worktreeId: `${second.id}-merge` });
    expect(merger!.finishedAt).not.toBeNull();
    const log = await booted.database.db.select().from(agentLogChunks).where(eq(agentLogChunks.agentId, merger!.id));
    expect(log.map((c) => c.content).join("\n")).toContain("resolved settings.conf");
    expect(await agentsOf(first)).toHaveLength(1);

    // Both tasks are done; the phase is ready for review, so their label says so.
    for (const t of [first, second]) expect(statusOf(fake, t.issueNumber!)).toEqual(["cw:in-review"]);
    const report = agentComment(fake, second.issueNumber!);
    expect(report).toContain(`Agent \`${worker!.name}\` finished this task.`);
    expect(report).toContain(`🔀 Conflicts in \`settings.conf\` were resolved by the merge agent \`${merger!.name}\`: Blended blue and green.`);
    expect(report).toContain(`merged into \`${phaseBranch}\` (${tip.slice(0, 7)})`);
    expect(agentComment(fake, first.issueNumber!)).not.toContain("Conflicts");
    // The phase's PR holds both tasks' work.
    const [pr] = fake.pulls();
    expect(pr).toMatchObject({ head: { ref: phaseBranch, sha: tip }, draft: false });
  });

  it("fails the task, naming the file, when the merge agent leaves conflict markers", { timeout: SLOW }, async () => {
    const { fake, remote } = await setup();
    const { issues } = await conflictingPhase(fake, { behavior: "done", summary: "All sorted." });
    await runUntilQuiet(booted, fake);

    const { first, second, phaseBranch } = await firstAndSecond(issues);
    expect(first.status).toBe("completed");
    // A conflict the merge agent could not resolve is not something a retry fixes: failed at once.
    expect(second).toMatchObject({ status: "failed", retryCount: 0, attempt: 1, summary: null });
    const [worker, merger] = await agentsOf(second);
    expect(second.lastError).toBe(
      `merging ${second.branch} into ${phaseBranch} conflicts in settings.conf; The merge agent \`${merger!.name}\` left conflict markers in \`settings.conf\` (it said: All sorted.).`,
    );
    expect(merger).toMatchObject({ mode: "merge", status: "crashed", result: "the merge agent left conflict markers in `settings.conf`" });
    expect(worker!.status).toBe("crashed");
    await expectOnlyFirstMerged(remote, phaseBranch, first, second);

    expect(statusOf(fake, second.issueNumber!)).toEqual(["cw:failed"]);
    const failed = agentComment(fake, second.issueNumber!);
    expect(failed).toContain(`Agent \`${worker!.name}\` could not finish this task`);
    expect(failed).toContain(`Its work is on \`${second.branch}\`, but merging it into \`${phaseBranch}\` conflicts in \`settings.conf\`.`);
    expect(failed).toContain(`The merge agent \`${merger!.name}\` left conflict markers in \`settings.conf\``);
    expect(failed).toContain("Resolve the conflict on the branch, then `/cw retry`.");

    // /cw retry makes it ready again, for after the conflict is resolved; the retry resumes the
    // task's own agent, never the merge agent.
    fake.comment(second.issueNumber!, "/cw retry", WRITER);
    await fake.converge(booted.app.port, booted.settle);
    expect((await taskFor(second.issueNumber!)).status).toBe("pending");
    expect(statusOf(fake, second.issueNumber!)).toEqual(["cw:ready"]);
  });

  it("fails the task with what the merge agent said when it gives up", { timeout: SLOW }, async () => {
    const { fake, remote } = await setup();
    const { issues } = await conflictingPhase(fake, {
      steps: [
        { behavior: "print", lines: ["looking at settings.conf"] },
        { behavior: "fail", message: "Blue and green\nexclude each other." },
      ],
    });
    await runUntilQuiet(booted, fake);

    const { first, second, phaseBranch } = await firstAndSecond(issues);
    expect(second).toMatchObject({ status: "failed", retryCount: 0 });
    const [, merger] = await agentsOf(second);
    expect(merger).toMatchObject({ mode: "merge", status: "crashed", result: "Blue and green\nexclude each other." });
    expect(second.lastError).toContain(`could not resolve them (error): Blue and green`);
    await expectOnlyFirstMerged(remote, phaseBranch, first, second);

    const failed = agentComment(fake, second.issueNumber!);
    expect(failed).toContain(
      `conflicts in \`settings.conf\`. The merge agent \`${merger!.name}\` could not resolve them (error): Blue and green exclude each other.`,
    );
    // The merge agent's log, not the worker's, is the one shown.
    expect(failed).toContain("looking at settings.conf");
    expect(statusOf(fake, second.issueNumber!)).toEqual(["cw:failed"]);
  });

  it("/cw stop during the merge agent kills it and leaves the phase branch as it was", { timeout: SLOW }, async () => {
    const { fake, remote } = await setup();
    const { issues } = await conflictingPhase(fake, { behavior: "hang", line: "thinking about colours" });
    const running = booted.app.dispatcher.drain();
    let merger: typeof agents.$inferSelect | undefined;
    await waitFor(async () => {
      [merger] = await booted.database.db
        .select()
        .from(agents)
        .where(and(eq(agents.mode, "merge"), eq(agents.status, "running")));
      return merger?.pid != null;
    });
    const pid = merger!.pid!;
    expect(alive(pid)).toBe(true);
    const second = (await Promise.all(issues.map(taskFor))).find((t) => t.id === merger!.taskId)!;
    // The issue says who is resolving what.
    await fake.converge(booted.app.port, booted.settle);
    const working = agentComment(fake, second.issueNumber!);
    expect(working).toContain(`merging \`${second.branch}\` into`);
    expect(working).toContain(`conflicts in \`settings.conf\`.`);
    expect(working).toContain(`Agent \`${merger!.name}\` is resolving the conflicts.`);
    expect(statusOf(fake, second.issueNumber!)).toEqual(["cw:in-progress"]);
    // The phase's check run names the merge agent at work.
    const [phase] = await booted.database.db.select().from(phases);
    const check = fake.checkRuns((await branchSha(remote, phase!.branch!))!).find((c) => c.name === "Codewalkers");
    expect(check?.output.summary).toContain(`agents at work: \`${merger!.name}\` on #${second.issueNumber}`);

    fake.comment(second.issueNumber!, "/cw stop", WRITER);
    await fake.converge(booted.app.port, booted.settle);
    await running;
    expect(alive(pid)).toBe(false);
    await fake.converge(booted.app.port, booted.settle);

    const { first, phaseBranch } = await firstAndSecond(issues);
    expect((await taskFor(second.issueNumber!)).status).toBe("cancelled");
    const [, stopped] = await agentsOf(second);
    expect(stopped).toMatchObject({ id: merger!.id, status: "stopped" });
    await expectOnlyFirstMerged(remote, phaseBranch, first, second);
    expect(agentComment(fake, second.issueNumber!)).toContain(`Merge agent \`${merger!.name}\` was stopped.`);
  });

  it("merges again, with a second merge agent, when the phase branch moves over the resolved lines meanwhile", { timeout: SLOW }, async () => {
    const { fake, remote } = await setup();
    const started = path.join(scratch, "merge-started");
    const go = path.join(scratch, "merge-go");
    rmSync(started, { force: true });
    rmSync(go, { force: true });
    const { issues } = await conflictingPhase(fake, { steps: [{ behavior: "wait-file", touch: started, path: go }, { behavior: "resolve" }] });
    const running = booted.app.dispatcher.drain();
    await waitFor(() => existsSync(started));
    // Someone pushes to the phase branch while the merge agent works, over the same lines.
    const [phase] = await booted.database.db.select().from(phases);
    const moved = await cloneAndCommit(remote, phase!.branch!, { "settings.conf": "colour = red\nshade = dark\n" }, "Recolour by hand");
    writeFileSync(go, "");
    await running;
    await runUntilQuiet(booted, fake);

    const { second, phaseBranch } = await firstAndSecond(issues);
    expect(second).toMatchObject({ status: "completed", lastError: null, attempt: 1 });
    const tip = (await branchSha(remote, phaseBranch))!;
    expect(await commitParents(remote, tip)).toEqual([moved, await branchSha(remote, second.branch!)]);
    // The second round merged the task into the moved branch: both sides kept, no markers.
    expect(await readFileAt(remote, phaseBranch, "settings.conf")).toBe(`colour = red\nshade = dark\n${colourOf(second)}`);
    const [, round1, round2] = await agentsOf(second);
    expect([round1?.mode, round1?.status, round2?.mode, round2?.status]).toEqual(["merge", "idle", "merge", "idle"]);
    expect(agentComment(fake, second.issueNumber!)).toContain(
      `🔀 Conflicts in \`settings.conf\` were resolved by the merge agent \`${round1!.name}\`, then \`${round2!.name}\`: kept both sides in settings.conf`,
    );
  });

  it("completes a task whose agent changed nothing, with no commit and no merge", async () => {
    const { fake, remote } = await setup();
    const m = fake.createMilestone({ title: "Audit" });
    const n = fake.openIssue({
      title: "Check the readme",
      milestone: m,
      body: `Look, change nothing.${script({ behavior: "done", summary: "The readme is fine as it is." })}`,
      labels: ["cw:run"],
    });
    await runUntilQuiet(booted, fake);

    const task = await taskFor(n);
    expect(task).toMatchObject({ status: "completed", summary: "The readme is fine as it is.", lastError: null });
    const target = await initiativeBranch();
    const main = await branchSha(remote, "main");
    // The initiative branch was made from the default branch and nothing was merged into it.
    expect(await branchSha(remote, target)).toBe(main);
    // Nothing was committed, so nothing was pushed for the task, and it keeps no branch.
    expect(task.branch).toBeNull();
    expect(await branchSha(remote, `cw/task-${n}-check-the-readme`)).toBeUndefined();

    expect(statusOf(fake, n)).toEqual(["cw:done"]);
    const reports = fake.commentsOn(n).filter((c) => c.body.includes("Agent `"));
    expect(reports).toHaveLength(1);
    expect(reports[0]!.body).toContain("finished this task");
    expect(reports[0]!.body).toContain("The readme is fine as it is.");
    expect(reports[0]!.body).toContain(`**Changes:** none. Nothing to merge into \`${target}\`.`);
    expect(reports[0]!.body).not.toContain("**Branch:**");
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
        script({
          steps: [
            { behavior: "edit", files: { "notes.md": "# Notes\n" } },
            { behavior: "fail", message: "ran out of steam" },
          ],
        }),
      labels: ["cw:run"],
    });
    await runUntilQuiet(booted, fake);
    let task = await taskFor(n);
    expect(task).toMatchObject({ status: "pending", retryCount: 1 });
    const target = await initiativeBranch();
    // The first attempt's work was kept on the task's branch, not merged.
    expect(await readFileAt(remote, task.branch!, "notes.md")).toBe("# Notes\n");
    expect(await readFileAt(remote, target, "notes.md")).toBeUndefined();

    await booted.database.db
      .update(tasks)
      .set({ runAfter: new Date(0) })
      .where(eq(tasks.id, task.id));
    await runUntilQuiet(booted, fake);
    task = await taskFor(n);
    expect(task).toMatchObject({ status: "completed", attempt: 2, summary: "Checked the notes; nothing more to do." });
    expect(await readFileAt(remote, target, "notes.md")).toBe("# Notes\n");
    expect((await logSubjects(remote, target))[0]).toBe(`Merge ${task.branch}: Write the notes`);
    const report = fake.commentsOn(n).find((c) => c.body.includes("finished this task"));
    expect(report?.body).toContain(`merged into \`${target}\``);
  });
});
