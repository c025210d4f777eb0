/**
 * Settings as people write them: `.github/codewalkers.yml`'s execution_mode and
 * merge_requires_approval apply (a milestone's block on top), an invalid milestone block is
 * said once, tasks outside phases close when the initiative lands, and a task's status label
 * only moves forward. Real git, the fake agent, the fake GitHub.
 */
import { describe, expect, it } from "vitest";
import { useFakeAgentApp } from "../support/fake-agent-app.js";
import { APP_BOT, FakeGitHub } from "../support/fake-github/index.js";
import { createBareRemote, readFileAt } from "../support/git-fixtures.js";
import { WRITER } from "../support/payloads.js";
import { install, runUntilQuiet, statusOf } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const { booted } = useFakeAgentApp("cw-settings-");

const script = (file: string, summary: string) =>
  `\n\n\`\`\`fake-agent\n${JSON.stringify({ behavior: "edit", files: { [file]: `${summary}\n` }, summary })}\n\`\`\`\n`;
let nextInstallationId = 8_400_001;

async function repository(config: string | null) {
  const files: Record<string, string> = { "README.md": "# Shop\n" };
  if (config !== null) files[".github/codewalkers.yml"] = config;
  const remote = await createBareRemote({ files });
  const fake = new FakeGitHub({ installationId: nextInstallationId++, repositories: [{ cloneUrl: remote.path, files }] });
  await install(booted, fake);
  return { fake, remote };
}

/** The status labels the app put on an issue, in order. */
const statusHistory = (fake: FakeGitHub, n: number) =>
  fake
    .issue(n)
    .events.filter((e) => e.event === "labeled" && e.actor.login === APP_BOT.login && e.label?.name.startsWith("cw:"))
    .map((e) => e.label!.name);

describe("settings", () => {
  it("repository-level yolo without initiative approval: the phase and the initiative merge by themselves, and every task issue closes", {
    timeout: 120_000,
  }, async () => {
    const { fake, remote } = await repository("execution_mode: yolo\nmerge_requires_approval: false\n");
    const m = fake.createMilestone({ title: "Checkout" });
    const phase = fake.openIssue({ title: "Cart", milestone: m, labels: ["cw:phase"] });
    const inPhase = fake.openIssue({ title: "Cart model", milestone: m, body: script("cart.txt", "Cart model") });
    fake.addSubIssue(phase, inPhase);
    const loose = fake.openIssue({ title: "Docs", milestone: m, body: script("docs.txt", "Docs") });
    fake.addLabels(inPhase, ["cw:run"], WRITER);
    fake.addLabels(loose, ["cw:run"], WRITER);
    await runUntilQuiet(booted, fake);

    const phasePr = fake.pulls().find((p) => p.head.ref === `cw/checkout--phase-${phase}`)!;
    const initiativePr = fake.pulls().find((p) => p.head.ref === "cw/checkout")!;
    expect(phasePr.merged).toBe(true);
    expect(initiativePr.merged).toBe(true);
    expect(fake.requests.filter((r) => r.route.includes("/reviews") && r.method === "POST")).toEqual([]); // nobody reviewed
    expect(await readFileAt(remote, "main", "cart.txt")).toBe("Cart model\n");
    expect(await readFileAt(remote, "main", "docs.txt")).toBe("Docs\n");
    expect(fake.milestone(m)!.state).toBe("closed");
    for (const n of [phase, inPhase, loose]) expect(fake.issue(n).state, `#${n}`).toBe("closed");
    // Forward only: the phase task was in review (its PR asked for) before it was done, never done first.
    // (Labels a burst passed through may never be written: the outbox coalesces them.)
    const history = statusHistory(fake, inPhase);
    const FORWARD = ["cw:ready", "cw:in-progress", "cw:in-review", "cw:done"];
    expect(history.map((l) => FORWARD.indexOf(l))).toEqual([...history.map((l) => FORWARD.indexOf(l))].sort((a, b) => a - b));
    expect(history.slice(-2)).toEqual(["cw:in-review", "cw:done"]);
    expect(fake.counts().redundantWrites).toBe(0);
  });

  it("a milestone block still overrides the repository: review_per_phase there waits for a review despite a yolo repository", {
    timeout: 120_000,
  }, async () => {
    const { fake } = await repository("execution_mode: yolo\n");
    const m = fake.createMilestone({ title: "Checkout", description: "```codewalkers\nexecution_mode: review_per_phase\n```" });
    const phase = fake.openIssue({ title: "Cart", milestone: m, labels: ["cw:phase"] });
    const t = fake.openIssue({ title: "Cart model", milestone: m, body: script("cart.txt", "Cart model") });
    fake.addSubIssue(phase, t);
    fake.addLabels(t, ["cw:run"], WRITER);
    await runUntilQuiet(booted, fake);
    const pr = fake.pulls().find((p) => p.head.ref === `cw/checkout--phase-${phase}`)!;
    expect(pr).toMatchObject({ state: "open", merged: false, draft: false });
    expect(statusOf(fake, t)).toEqual(["cw:in-review"]);
  });

  it("an invalid milestone block is said once, on the first task's issue, and the comment says when it is fixed", { timeout: 120_000 }, async () => {
    const { fake } = await repository(null);
    const m = fake.createMilestone({ title: "Checkout", description: "```codewalkers\nexecution_mode: fast\n```" });
    const first = fake.openIssue({ title: "One", milestone: m, body: script("one.txt", "One"), labels: ["cw:run"] });
    const second = fake.openIssue({ title: "Two", milestone: m, body: script("two.txt", "Two"), labels: ["cw:run"] });
    await fake.converge(booted.app.port, booted.settle);
    const told = () => fake.commentsOn(first).filter((c) => c.user.login === APP_BOT.login && c.body.includes("settings block"));
    expect(told()).toHaveLength(1);
    expect(told()[0]!.body).toContain("execution_mode: expected one of review_per_phase, yolo");
    expect(fake.commentsOn(second).filter((c) => c.body.includes("settings block"))).toEqual([]);

    fake.editMilestone(m, { title: "Checkout" }); // any change: still invalid, nothing more said
    await fake.converge(booted.app.port, booted.settle);
    expect(told()).toHaveLength(1);

    const stored = async () =>
      (
        await booted.database.rows<{ execution_mode: string; merge_requires_approval: boolean; settings_error: string | null }>(
          `select execution_mode::text, merge_requires_approval, settings_error from initiatives where milestone_id = $1`,
          [fake.milestone(m)!.id],
        )
      )[0];
    expect(await stored()).toMatchObject({ execution_mode: "review_per_phase", merge_requires_approval: true });

    fake.editMilestone(m, { description: "```codewalkers\nexecution_mode: yolo\nmerge_requires_approval: false\n```" });
    await fake.converge(booted.app.port, booted.settle);
    expect(told()).toHaveLength(1);
    expect(told()[0]!.body).toContain("valid again");
    // The edit's settings are the initiative's now.
    expect(await stored()).toEqual({ execution_mode: "yolo", merge_requires_approval: false, settings_error: null });
    expect(fake.counts().redundantWrites).toBe(0);
  });
});
