import { describe, expect, it } from "vitest";
import {
  planPullRequests,
  pullRequestBodyHash,
  type PrPhase,
  type PrRecord,
  type PrRefine,
  type PrSnapshot,
  type PrTask,
} from "../../../src/core/plan-pull-requests.js";

const INIT = {
  id: "i1",
  name: "Checkout",
  branch: "cw/checkout",
  milestoneNumber: 3,
  status: "active" as const,
  executionMode: "review_per_phase" as const,
  mergeRequiresApproval: true,
};
const phase = (over: Partial<PrPhase> = {}): PrPhase => ({
  id: "p1",
  initiativeId: "i1",
  issueNumber: 10,
  name: "Cart",
  branch: "cw/checkout--phase-10",
  status: "in_progress",
  issueState: "open",
  labels: [],
  ...over,
});
const task = (n: number, over: Partial<PrTask> = {}): PrTask => ({
  id: `t${n}`,
  issueNumber: n,
  name: `Task ${n}`,
  status: "completed",
  summary: `Did ${n}`,
  phaseId: "p1",
  initiativeId: "i1",
  branch: `cw/task-${n}`,
  issueState: "open",
  ...over,
});
const pr = (over: Partial<PrRecord> = {}): PrRecord => ({
  id: "pr1",
  kind: "phase",
  subjectId: "p1",
  head: "cw/checkout--phase-10",
  base: "cw/checkout",
  number: 50,
  headSha: "abc",
  state: "open",
  draft: true,
  merged: false,
  bodyHash: null,
  approvedSha: null,
  reviewRequested: false,
  ...over,
});
const snap = (over: Partial<PrSnapshot>): PrSnapshot => ({
  defaultBranch: "main",
  reviewers: [],
  mergeMethod: "squash",
  initiatives: [INIT],
  phases: [],
  tasks: [],
  prs: [],
  ...over,
});

describe("planPullRequests", () => {
  it("opens a draft PR for a phase once its first task is done", () => {
    const plan = planPullRequests(snap({ phases: [phase()], tasks: [task(1), task(2, { status: "in_progress" })] }));
    expect(plan.actions).toEqual([expect.objectContaining({ kind: "ensure-pull-request", head: "cw/checkout--phase-10", base: "cw/checkout", draft: true })]);
    expect(plan.phaseStatus).toEqual([]);
    expect(plan.phaseLabels).toEqual([{ issueNumber: 10, label: "cw:in-progress" }]);
    // More of its work is to land: its head is not yet the one people review.
    expect([...plan.draftPhases]).toEqual(["p1"]);
  });

  it("marks it ready, asks the reviewers once and puts the phase in review when every task is done", () => {
    const plan = planPullRequests(snap({ reviewers: ["octo", "org/team"], phases: [phase()], tasks: [task(1), task(2)], prs: [pr()] }));
    expect(plan.actions.map((a) => a.kind)).toEqual(["ensure-pull-request", "mark-ready", "request-reviewers", "ensure-check-run"]);
    expect(plan.actions.at(-1)).toMatchObject({ headSha: "abc", name: "Codewalkers", status: "completed", conclusion: "success", title: "All 2 tasks done" });
    expect(plan.phaseStatus).toEqual([{ phaseId: "p1", status: "pending_review" }]);
    expect([...plan.inReview].sort()).toEqual(["t1", "t2"]);
    expect([...plan.draftPhases]).toEqual([]);
    const again = planPullRequests(
      snap({
        reviewers: ["octo"],
        phases: [phase({ status: "pending_review", labels: ["cw:in-review"] })],
        tasks: [task(1), task(2)],
        prs: [pr({ draft: false, reviewRequested: true, bodyHash: hashOf(plan) })],
      }),
    );
    // Nothing left to do but the (unchanged) check run, which the outbox skips by its hash.
    expect(again.actions.map((a) => a.kind)).toEqual(["ensure-check-run"]);
  });

  it("shows the phase's progress on the PR's head: tasks done, agents at work, their log", () => {
    const plan = planPullRequests(
      snap({
        phases: [phase()],
        tasks: [task(1), task(2, { status: "in_progress", agent: { name: "jolly-otter", logTail: "compiling…" } })],
        prs: [pr()],
      }),
    );
    expect(plan.actions.find((a) => a.kind === "ensure-check-run")).toMatchObject({
      status: "in_progress",
      title: "1 of 2 tasks done",
      summary: expect.stringContaining("`jolly-otter` on #2"),
      text: expect.stringContaining("compiling…"),
    });
  });

  it("merges a yolo phase without review, once per head", () => {
    const yolo = { ...INIT, executionMode: "yolo" as const };
    const plan = planPullRequests(snap({ initiatives: [yolo], phases: [phase()], tasks: [task(1)], prs: [pr({ draft: false })] }));
    expect(plan.actions).toContainEqual({
      kind: "merge-pull-request",
      head: "cw/checkout--phase-10",
      base: "cw/checkout",
      sha: "abc",
      method: "squash",
      prId: "pr1",
    });
    const asked = planPullRequests(snap({ initiatives: [yolo], phases: [phase()], tasks: [task(1)], prs: [pr({ draft: false, approvedSha: "abc" })] }));
    expect(asked.actions.some((a) => a.kind === "merge-pull-request")).toBe(false);
  });

  it("completes a merged phase and closes its issues; then opens the initiative PR", () => {
    const plan = planPullRequests(
      snap({
        phases: [phase({ status: "pending_review" })],
        tasks: [task(1), task(2, { issueState: "closed" })],
        prs: [pr({ merged: true, state: "closed" })],
      }),
    );
    expect(plan.phaseStatus).toEqual([{ phaseId: "p1", status: "completed" }]);
    expect(plan.actions).toEqual([
      { kind: "close-issue", issueNumber: 1 },
      { kind: "close-issue", issueNumber: 10 },
      expect.objectContaining({ kind: "ensure-pull-request", head: "cw/checkout", base: "main", draft: false, subject: { kind: "initiative", id: "i1" } }),
    ]);
  });

  it("completes a phase of person checkpoints only (no branch, nothing committed) without a PR", () => {
    const people = phase({ branch: null, status: "in_progress" });
    const decided = task(1, { branch: null });
    const plan = planPullRequests(
      snap({
        phases: [people, phase({ id: "p2", issueNumber: 20, branch: null, status: "pending" })],
        tasks: [decided, task(2, { phaseId: "p2", status: "pending", branch: null })],
      }),
    );
    expect(plan.phaseStatus).toEqual([{ phaseId: "p1", status: "completed" }]);
    expect(plan.actions).toEqual([
      { kind: "close-issue", issueNumber: 1 },
      { kind: "close-issue", issueNumber: 10 },
    ]);
    // Not while one of them is still waiting for its person.
    const waiting = planPullRequests(snap({ phases: [people], tasks: [decided, task(2, { status: "in_progress", branch: null })] }));
    expect(waiting.phaseStatus).toEqual([]);
    expect(waiting.actions).toEqual([]);
  });

  it("asks for no PR while the phase's finished work changed nothing (a research), and completes it without one", () => {
    // The branch exists (made for the run), but the only done task pushed nothing: GitHub would refuse the PR.
    const early = planPullRequests(snap({ phases: [phase()], tasks: [task(1, { branch: null }), task(2, { status: "pending", branch: null })] }));
    expect(early.actions).toEqual([]);
    expect(early.phaseStatus).toEqual([]);
    const done = planPullRequests(snap({ phases: [phase()], tasks: [task(1, { branch: null })] }));
    expect(done.phaseStatus).toEqual([{ phaseId: "p1", status: "completed" }]);
    expect(done.actions.filter((a) => a.kind === "ensure-pull-request")).toEqual([]);
  });

  it("holds the reviewers for a review agent once per head (agent_review), and concludes a head verify failed 'failure'", () => {
    const ready = pr({ draft: false });
    const queued = planPullRequests(snap({ reviewers: ["octocat"], agentReview: true, phases: [phase()], tasks: [task(1)], prs: [ready] }));
    expect(queued.actions.map((a) => a.kind)).toContain("queue-review");
    expect(queued.actions.map((a) => a.kind)).not.toContain("request-reviewers");
    const reviewed = planPullRequests(
      snap({
        reviewers: ["octocat"],
        agentReview: true,
        phases: [phase()],
        tasks: [task(1)],
        prs: [ready],
        reviewTasks: [{ prId: "pr1", headSha: "abc", status: "completed" }],
      }),
    );
    expect(reviewed.actions.map((a) => a.kind)).toContain("request-reviewers");
    expect(reviewed.actions.map((a) => a.kind)).not.toContain("queue-review");

    const failing = planPullRequests(
      snap({
        phases: [phase()],
        tasks: [task(1), task(2, { status: "blocked", branch: null })],
        prs: [pr()],
        verifications: new Map([["p1", { verdict: "fail" as const, headSha: "abc", findings: [{ message: "no expiry" }], issueNumber: 2, fixIssueNumber: 3 }]]),
      }),
    );
    expect(failing.actions).toContainEqual(
      expect.objectContaining({ kind: "ensure-check-run", status: "completed", conclusion: "failure", title: "Verification failed: 1 finding" }),
    );
    expect(failing.actions.map((a) => a.kind)).not.toContain("mark-ready");
    // A pull request already in review (the verify task came later) goes back to draft.
    const wasReady = planPullRequests(
      snap({
        phases: [phase()],
        tasks: [task(1), task(2, { status: "blocked", branch: null })],
        prs: [pr({ draft: false })],
        verifications: new Map([
          ["p1", { verdict: "fail" as const, headSha: "abc", findings: [{ message: "no expiry" }], issueNumber: 2, fixIssueNumber: null }],
        ]),
      }),
    );
    expect(wasReady.actions).toContainEqual({ kind: "mark-draft", head: "cw/checkout--phase-10", base: "cw/checkout" });
  });

  it("completes an initiative whose work was all done by people, with no PR to open", () => {
    const plan = planPullRequests(
      snap({ phases: [phase({ branch: null, status: "completed", issueState: "closed" })], tasks: [task(1, { branch: null, issueState: "closed" })] }),
    );
    expect(plan.initiativeStatus).toEqual([{ initiativeId: "i1", status: "completed" }]);
    expect(plan.actions).toEqual([{ kind: "close-milestone", milestoneNumber: 3 }]);
    // One phase with commits is enough for the initiative PR.
    const mixed = planPullRequests(
      snap({
        phases: [
          phase({ branch: null, status: "completed", issueState: "closed" }),
          phase({ id: "p2", issueNumber: 20, status: "completed", issueState: "closed" }),
        ],
        tasks: [task(1, { branch: null, issueState: "closed" }), task(2, { phaseId: "p2", issueState: "closed" })],
        prs: [pr({ subjectId: "p2", merged: true, state: "closed" })],
      }),
    );
    expect(mixed.initiativeStatus).toEqual([]);
    expect(mixed.actions).toEqual([expect.objectContaining({ kind: "ensure-pull-request", head: "cw/checkout", base: "main" })]);
  });

  it("closes the milestone and completes the initiative once its PR merged", () => {
    const plan = planPullRequests(
      snap({
        phases: [phase({ status: "completed", issueState: "closed", labels: ["cw:done"] })],
        tasks: [task(1, { issueState: "closed" })],
        prs: [
          pr({ merged: true, state: "closed" }),
          pr({ id: "pr2", kind: "initiative", subjectId: "i1", head: "cw/checkout", base: "main", merged: true, state: "closed" }),
        ],
      }),
    );
    expect(plan.initiativeStatus).toEqual([{ initiativeId: "i1", status: "completed" }]);
    expect(plan.actions).toEqual([{ kind: "close-milestone", milestoneNumber: 3 }]);
  });

  it("closes the issues of the initiative's tasks outside any phase once its PR merged", () => {
    const plan = planPullRequests(
      snap({
        tasks: [task(4, { phaseId: null }), task(5, { phaseId: null, issueState: "closed" })],
        prs: [pr({ id: "pr2", kind: "initiative", subjectId: "i1", head: "cw/checkout", base: "main", merged: true, state: "closed" })],
      }),
    );
    expect(plan.actions).toEqual([
      { kind: "close-issue", issueNumber: 4 },
      { kind: "close-milestone", milestoneNumber: 3 },
    ]);
  });

  it("counts finished work as in review from the moment its PR is asked for, not once GitHub opened it", () => {
    const phasePlan = planPullRequests(snap({ phases: [phase()], tasks: [task(1), task(2, { status: "in_progress" })] }));
    expect(phasePlan.actions.map((a) => a.kind)).toEqual(["ensure-pull-request"]);
    expect([...phasePlan.inReview]).toEqual(["t1"]);
    const standalone = planPullRequests(snap({ initiatives: [], tasks: [task(7, { phaseId: null, initiativeId: null, branch: "cw/issue-7-x" })] }));
    expect([...standalone.inReview]).toEqual(["t7"]);
  });

  it("blocks a phase whose PR a person closed, with one comment", () => {
    const plan = planPullRequests(snap({ phases: [phase()], tasks: [task(1)], prs: [pr({ state: "closed" })] }));
    expect(plan.phaseStatus).toEqual([{ phaseId: "p1", status: "blocked" }]);
    expect(plan.actions).toEqual([expect.objectContaining({ kind: "comment", issueNumber: 10 })]);
  });

  it("gives a finished standalone task its own PR that fixes the issue", () => {
    const plan = planPullRequests(snap({ initiatives: [], tasks: [task(7, { phaseId: null, initiativeId: null, branch: "cw/issue-7-x" })] }));
    expect(plan.actions).toEqual([expect.objectContaining({ kind: "ensure-pull-request", head: "cw/issue-7-x", base: "main", body: "Fixes #7\n\nDid 7" })]);
  });
});

function hashOf(plan: ReturnType<typeof planPullRequests>): string {
  const a = plan.actions.find((x) => x.kind === "ensure-pull-request");
  if (a?.kind !== "ensure-pull-request") throw new Error("no PR");
  return pullRequestBodyHash(a.title, a.body);
}

describe("planPullRequests: refines (changes requested on a PR)", () => {
  const refine = (over: Partial<PrRefine> = {}): PrRefine => ({ taskId: "r1", prId: "pr1", status: "pending", reviewers: ["alice"], agent: null, ...over });

  it("shows a refine on the phase's check run, neutral: this head is not the one to approve", () => {
    const plan = planPullRequests(
      snap({
        phases: [phase({ status: "pending_review" })],
        tasks: [task(1), task(2)],
        prs: [pr({ draft: false, reviewRequested: true })],
        refines: [refine({ status: "in_progress", agent: { name: "calm-heron", logTail: "renaming…" } })],
      }),
    );
    expect(plan.actions.find((a) => a.kind === "ensure-check-run")).toMatchObject({
      status: "completed",
      conclusion: "neutral",
      title: "All 2 tasks done; refining the changes requested by @alice",
      summary: expect.stringContaining("Changes requested by @alice: agent `calm-heron` at work"),
      text: expect.stringContaining("renaming…"),
    });
    expect(plan.phaseStatus).toEqual([]);
    expect(plan.cancelRefines).toEqual([]);
  });

  it("holds a merge without review (yolo) while a refine waits or works", () => {
    const yolo = { ...INIT, executionMode: "yolo" as const };
    const base = { initiatives: [yolo], phases: [phase({ status: "pending_review" })], tasks: [task(1)], prs: [pr({ draft: false })] };
    expect(planPullRequests(snap(base)).actions.map((a) => a.kind)).toContain("merge-pull-request");
    expect(planPullRequests(snap({ ...base, refines: [refine()] })).actions.map((a) => a.kind)).not.toContain("merge-pull-request");
  });

  it("cancels the refines of a PR that was merged or closed meanwhile", () => {
    const plan = planPullRequests(
      snap({
        phases: [phase()],
        tasks: [task(1)],
        prs: [pr({ merged: true, state: "closed" }), pr({ id: "pr2", subjectId: "other", head: "cw/x", state: "closed" })],
        refines: [refine(), refine({ taskId: "r2", prId: "pr2", status: "in_progress" }), refine({ taskId: "r3", prId: "elsewhere" })],
      }),
    );
    expect(plan.cancelRefines).toEqual(["r1", "r2"]);
  });
});
