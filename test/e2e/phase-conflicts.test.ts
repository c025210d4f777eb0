/**
 * The phases issue's conflict scenario: two phases of one milestone whose tasks write the same
 * lines of one file. The first phase PR merges into the initiative branch; the second then
 * conflicts with it, and GitHub will not merge it. Its approval queues a branch update: a merge
 * agent merges the initiative branch into the phase branch, resolving the conflict, and the PR
 * waits for a fresh approval of its new head (in yolo, it merges by itself). Also a merge agent
 * that fails: nothing is pushed, the PR says so, and approving again tries again; and GitHub
 * answering `mergeable: null` at first. Real git (a local bare repository), the fake agent, the
 * fake GitHub.
 */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { agents, outbox, phases, tasks } from "../../src/db/schema.js";
import { UPDATE_RETRY_HINT } from "../../src/core/branch-update.js";
import { FAKE_AGENT, useFakeAgentApp } from "../support/fake-agent-app.js";
import { APP_BOT, FakeGitHub } from "../support/fake-github/index.js";
import { commitParents, createBareRemote, readFileAt, type BareRemote } from "../support/git-fixtures.js";
import { WRITER } from "../support/payloads.js";
import { fakeAgentScript, install, runUntilQuiet as runUntilQuietIn } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const { booted, scratch } = useFakeAgentApp("cw-phase-conflicts-", { config: () => ({ agentCommand: AGENT_COMMAND }) });
/** When this file exists, merge agents follow the script in it (else they resolve, keeping both sides). */
const mergeScriptFile = path.join(scratch, "merge-script.json");
const AGENT_COMMAND = `if [ -f "${mergeScriptFile}" ]; then export FAKE_AGENT_MERGE_SCRIPT="$(cat "${mergeScriptFile}")"; fi; exec node "${FAKE_AGENT}"`;

const INITIATIVE_BRANCH = "cw/checkout";
const MERGE_ROUTE = "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge";
/** Agents, merges and a merge agent on real git: on two busy CPUs this takes a while. */
const SLOW = 120_000;

const runUntilQuiet = (fake: FakeGitHub) => runUntilQuietIn(booted, fake);
const appComments = (fake: FakeGitHub, n: number, text: string) =>
  fake.commentsOn(n).filter((c) => !c.deleted && c.user.login === APP_BOT.login && c.body.includes(text));

/** Each test installs the app anew under its own installation, so the write pacing of one does not slow the next. */
let nextInstallationId = 8_300_001;

interface World {
  fake: FakeGitHub;
  remote: BareRemote;
  /** The phase PRs: `first` is merged first, `second` then conflicts. */
  first: { phase: number; pr: number; branch: string };
  second: { phase: number; pr: number; branch: string };
}

/** Two independent phases, one task each, both setting `colour` in settings.conf: both PRs in review. */
async function twoConflictingPhases(description: string | null = null): Promise<World> {
  rmSync(mergeScriptFile, { force: true });
  const remote = await createBareRemote({ files: { "README.md": "# Shop\n", "settings.conf": "colour = grey\n" } });
  const fake = new FakeGitHub({ installationId: nextInstallationId++, repositories: [{ cloneUrl: remote.path }] });
  await install(booted, fake);
  const m = fake.createMilestone({ title: "Checkout", description });
  const phaseOf = (title: string, colour: string) => {
    const phase = fake.openIssue({ title, milestone: m, labels: ["cw:phase"] });
    const task = fake.openIssue({
      title: `${title}: ${colour}`,
      milestone: m,
      body: fakeAgentScript({ behavior: "edit", files: { "settings.conf": `colour = ${colour}\n` }, summary: `Made it ${colour}.` }),
    });
    fake.addSubIssue(phase, task);
    return { phase, task };
  };
  const a = phaseOf("Cart", "blue");
  const b = phaseOf("Payment", "green");
  fake.addLabels(a.task, ["cw:run"], WRITER);
  fake.addLabels(b.task, ["cw:run"], WRITER);
  await runUntilQuiet(fake);
  const prOf = (phase: number) => {
    const branch = `${INITIATIVE_BRANCH}--phase-${phase}`;
    const pr = fake.pulls().find((p) => p.head.ref === branch);
    expect(pr, `the PR of phase #${phase}`).toBeDefined();
    return { phase, pr: pr!.number, branch };
  };
  return { fake, remote, first: prOf(a.phase), second: prOf(b.phase) };
}

async function updateTasks() {
  return booted.database.db.select().from(tasks).where(eq(tasks.category, "merge"));
}

describe("a phase PR that conflicts with its initiative branch", () => {
  it("approving it queues a merge agent on the phase branch; the new head waits for a fresh approval, then merges", { timeout: SLOW }, async () => {
    const { fake, remote, first, second } = await twoConflictingPhases();
    fake.approve(first.pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(first.pr).merged).toBe(true);
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "settings.conf")).toBe("colour = blue\n");
    const initiativeTip = fake.branchSha(INITIATIVE_BRANCH)!;

    const approvedHead = fake.pull(second.pr).head.sha;
    fake.approve(second.pr, WRITER);
    await fake.converge(booted.app.port, booted.settle); // webhooks and GitHub writes; no runner yet
    expect(await updateTasks()).toMatchObject([{ status: "pending", category: "merge" }]);
    expect(appComments(fake, second.pr, "⏳ A merge agent will merge")).toHaveLength(1);
    // Approving again while the update waits merges nothing, and says why.
    fake.approve(second.pr, WRITER);
    await fake.converge(booted.app.port, booted.settle);
    expect(appComments(fake, second.pr, "an agent is merging it in: nothing was merged")).toHaveLength(1);
    // `/cw status` on the PR says where it stands.
    fake.comment(second.pr, "/cw status", WRITER);
    await fake.converge(booted.app.port, booted.settle);
    const status = appComments(fake, second.pr, `**Pull request #${second.pr}**`);
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toContain(`(phase #${second.phase} “Payment”) merges \`${second.branch}\` into \`${INITIATIVE_BRANCH}\`: open, ready for review.`);
    expect(status[0]!.body).toContain("- **Tasks:** 1 of 1 done");
    expect(status[0]!.body).toContain(`- **Approval:** the current head (\`${approvedHead.slice(0, 7)}\`), by @${WRITER.login}`);
    expect(status[0]!.body).toContain(`- **Not merged because:** 🔀 **Conflicts with \`${INITIATIVE_BRANCH}\`**`);
    expect(status[0]!.body).toContain("- **At work on it:** a branch update (the base merged in), ⏳ queued");
    await runUntilQuiet(fake);

    // GitHub refused the merge; the merge agent merged the initiative branch into the phase branch.
    expect(fake.requests.filter((r) => r.route === MERGE_ROUTE).map((r) => r.status)).toEqual([200, 405]);
    const pr = fake.pull(second.pr);
    expect(pr).toMatchObject({ state: "open", merged: false });
    expect(pr.head.sha).not.toBe(approvedHead);
    expect(await commitParents(remote, pr.head.sha)).toEqual([approvedHead, initiativeTip]);
    // The fake merge agent keeps both sides: the phase's line, then the initiative's.
    expect(await readFileAt(remote, second.branch, "settings.conf")).toBe("colour = green\ncolour = blue\n");

    const [update] = await updateTasks();
    expect(update).toMatchObject({
      status: "completed",
      issueNumber: null,
      triggeredBy: WRITER.login,
      name: `Merge ${INITIATIVE_BRANCH} into ${second.branch} (#${second.pr})`,
    });
    const mergers = await booted.database.db.select().from(agents).where(eq(agents.taskId, update!.id));
    expect(mergers.map((a) => [a.mode, a.status])).toEqual([["merge", "idle"]]);

    // The update's one comment (the status reply above quotes its first line, too).
    const told = appComments(fake, second.pr, `Conflicts with \`${INITIATIVE_BRANCH}\``).filter((c) => !c.body.includes("**Pull request #"));
    expect(told).toHaveLength(1);
    expect(told[0]!.body).toContain(`✅ Merged \`${INITIATIVE_BRANCH}\` into \`${second.branch}\``);
    expect(told[0]!.body).toContain(`were resolved by the merge agent \`${mergers[0]!.name}\``);
    expect(told[0]!.body).toContain(`@${WRITER.login}: \`${second.branch}\` is up to date with \`${INITIATIVE_BRANCH}\`; approve its new head to merge it.`);
    expect(fake.pull(second.pr).requestedReviewers.map((u) => u.login)).toContain(WRITER.login);
    const [phaseRow] = await booted.database.db.select().from(phases).where(eq(phases.issueNumber, second.phase));
    expect(phaseRow!.status).toBe("pending_review");

    // The old approval does not merge the new head; a fresh one does.
    fake.approve(second.pr, WRITER);
    await runUntilQuiet(fake);
    expect(fake.pull(second.pr).merged).toBe(true);
    expect(await readFileAt(remote, INITIATIVE_BRANCH, "settings.conf")).toBe("colour = green\ncolour = blue\n");
    expect(fake.issue(second.phase).state).toBe("closed");
    // Every phase merged: the initiative's own PR is open.
    expect(fake.pulls().some((p) => p.head.ref === INITIATIVE_BRANCH && p.base.ref === "main")).toBe(true);
  });

  it("yolo: the second phase PR conflicts, is brought up to date by a merge agent, and merges by itself", { timeout: SLOW }, async () => {
    const { fake, remote, first, second } = await twoConflictingPhases("The checkout.\n\n```codewalkers\nexecution_mode: yolo\n```\n");
    await runUntilQuiet(fake);
    // Which PR merged first depends on which task finished first: whichever did not is the one that conflicted.
    const [update] = await updateTasks();
    expect(update).toMatchObject({ status: "completed", triggeredBy: "codewalkers" });
    for (const { pr } of [first, second]) expect(fake.pull(pr).merged).toBe(true);
    const settings = await readFileAt(remote, INITIATIVE_BRANCH, "settings.conf");
    expect(settings?.split("\n").sort()).toEqual(["", "colour = blue", "colour = green"]);
    const conflicted = [first, second].find((p) => appComments(fake, p.pr, "Conflicts with").length > 0)!;
    expect(appComments(fake, conflicted.pr, "it merges once its new head passes its checks")).toHaveLength(1);
  });

  it("a merge agent that leaves conflict markers pushes nothing and says so; approving again tries again", { timeout: SLOW }, async () => {
    const { fake, remote, first, second } = await twoConflictingPhases();
    fake.approve(first.pr, WRITER);
    await runUntilQuiet(fake);
    writeFileSync(mergeScriptFile, JSON.stringify({ behavior: "done", summary: "All sorted." }));
    const approvedHead = fake.pull(second.pr).head.sha;
    fake.approve(second.pr, WRITER);
    await runUntilQuiet(fake);

    const [failed] = await updateTasks();
    expect(failed).toMatchObject({ status: "failed" });
    expect(fake.pull(second.pr)).toMatchObject({ merged: false, state: "open" });
    expect(fake.pull(second.pr).head.sha).toBe(approvedHead);
    expect(await readFileAt(remote, second.branch, "settings.conf")).toBe("colour = green\n");
    const told = appComments(fake, second.pr, "Conflicts with")[0]!.body;
    expect(told).toContain("left conflict markers in `settings.conf`");
    expect(told).toContain(UPDATE_RETRY_HINT);
    expect(told).not.toContain("`/cw retry` starts it again"); // the issue's hint, not the PR's

    rmSync(mergeScriptFile);
    fake.approve(second.pr, WRITER);
    await runUntilQuiet(fake);
    const all = await updateTasks();
    expect(all.map((t) => t.status).sort()).toEqual(["completed", "failed"]);
    expect(fake.pull(second.pr).head.sha).not.toBe(approvedHead);
    expect(await readFileAt(remote, second.branch, "settings.conf")).toBe("colour = green\ncolour = blue\n");
    // Each update talks in its own comment.
    expect(appComments(fake, second.pr, "Conflicts with")).toHaveLength(2);
    const [again] = await booted.database.db
      .select()
      .from(tasks)
      .where(and(eq(tasks.category, "merge"), eq(tasks.status, "completed")));
    expect(again!.id).not.toBe(failed!.id);
  });

  it("GitHub has not worked out whether it can merge yet: the merge is tried again later, then the update is queued", { timeout: SLOW }, async () => {
    const { fake, first, second } = await twoConflictingPhases();
    fake.approve(first.pr, WRITER);
    await runUntilQuiet(fake);
    fake.mergeabilityPending(second.pr);
    fake.approve(second.pr, WRITER);
    await fake.converge(booted.app.port, booted.settle);
    // Refused, and GitHub answered `mergeable: null`: nothing decided, the merge waits for its retry.
    expect(await updateTasks()).toEqual([]);
    const [merge] = await booted.database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.operation, "merge-pull-request"), eq(outbox.status, "pending")));
    expect(merge).toMatchObject({ attempts: 1 });
    expect(merge!.lastError).toContain(`GitHub has not yet worked out whether #${second.pr} can merge`);
    expect(appComments(fake, second.pr, "Waiting to merge")).toEqual([]);

    await booted.database.db
      .update(outbox)
      .set({ runAfter: new Date(0) })
      .where(eq(outbox.status, "pending"));
    await fake.converge(booted.app.port, booted.settle);
    expect(await updateTasks()).toMatchObject([{ status: "pending" }]);
    expect(await booted.database.db.select().from(outbox).where(eq(outbox.status, "dead"))).toEqual([]);
  });

  it("/cw retry on the PR runs a failed update again; /cw stop cancels a queued one", { timeout: SLOW }, async () => {
    const { fake, remote, first, second } = await twoConflictingPhases();
    fake.approve(first.pr, WRITER);
    await runUntilQuiet(fake);
    writeFileSync(mergeScriptFile, JSON.stringify({ behavior: "fail", message: "cannot tell which colour wins" }));
    fake.approve(second.pr, WRITER);
    await runUntilQuiet(fake);
    const [failed] = await updateTasks();
    expect(failed).toMatchObject({ status: "failed" });

    rmSync(mergeScriptFile);
    fake.comment(second.pr, "/cw retry", WRITER);
    await runUntilQuiet(fake);
    expect(await updateTasks()).toMatchObject([{ id: failed!.id, status: "completed" }]);
    expect(appComments(fake, second.pr, "Retrying: the branch update is scheduled again.")).toHaveLength(1);
    expect(await readFileAt(remote, second.branch, "settings.conf")).toBe("colour = green\ncolour = blue\n");

    // A queued update (approved again after a new conflict) is cancelled by /cw stop, and said so.
    fake.pushToBranch(INITIATIVE_BRANCH, { "settings.conf": "colour = red\n" }, "Red after all", WRITER);
    fake.approve(second.pr, WRITER);
    await fake.converge(booted.app.port, booted.settle);
    const queued = (await updateTasks()).find((t) => t.status === "pending");
    expect(queued).toBeDefined();
    fake.comment(second.pr, "/cw stop", WRITER);
    await fake.converge(booted.app.port, booted.settle);
    expect((await updateTasks()).find((t) => t.id === queued!.id)).toMatchObject({ status: "cancelled" });
    expect(appComments(fake, second.pr, `⏹️ Stopped by @${WRITER.login}`)).toHaveLength(1);
  });
});
