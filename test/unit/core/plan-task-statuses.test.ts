import { describe, expect, it } from "vitest";
import {
  CYCLE_MARKER,
  CYCLE_RESOLVED_TEXT,
  MISSING_MARKER,
  carriesExactly,
  planTaskStatuses,
  statusLabelFor,
  type RepositorySnapshot,
  type SnapshotLink,
  type SnapshotTask,
} from "../../../src/core/plan-task-statuses.js";

const REPO = "Octo/Repo";

function task(issueNumber: number, over: Partial<SnapshotTask> = {}): SnapshotTask {
  return {
    id: `t${issueNumber}`,
    issueNumber,
    status: "pending",
    type: "auto",
    // A task in progress is held by its runner unless it says otherwise.
    claimed: over.status === "in_progress",
    issueState: "open",
    labels: [],
    blockedReason: null,
    criticalPath: 1,
    phaseIssueNumber: null,
    awaitingInput: false,
    inReview: false,
    ...over,
  };
}

function dep(from: number, to: number, toState: SnapshotLink["toState"] = "open", toRepo = REPO): SnapshotLink {
  return { fromNumber: from, toRepo, toNumber: to, toState };
}

function snapshot(over: Partial<RepositorySnapshot>): RepositorySnapshot {
  return { repo: REPO, tasks: [], links: [], phases: [], commentMarkers: new Map(), ...over };
}

describe("planTaskStatuses", () => {
  it("makes a task without blockers ready and one with an open blocker blocked", () => {
    const plan = planTaskStatuses(snapshot({ tasks: [task(1), task(2)], links: [dep(2, 1)] }));
    expect(plan.statusChanges).toEqual([{ taskId: "t2", status: "blocked", blockedReason: "blocked by #1" }]);
    expect(plan.labelChanges).toEqual([
      { issueNumber: 1, label: "cw:ready" },
      { issueNumber: 2, label: "cw:blocked" },
    ]);
    expect(plan.comments).toEqual([]);
  });

  it("unblocks a dependent when its blocker is completed or its issue closed", () => {
    const completed = planTaskStatuses(
      snapshot({
        tasks: [task(1, { status: "completed", labels: ["cw:done"] }), task(2, { status: "blocked", labels: ["cw:blocked"], blockedReason: "blocked by #1" })],
        links: [dep(2, 1)],
      }),
    );
    expect(completed.statusChanges).toEqual([{ taskId: "t2", status: "pending", blockedReason: null }]);
    expect(completed.labelChanges).toEqual([{ issueNumber: 2, label: "cw:ready" }]);

    const closedPlainIssue = planTaskStatuses(
      snapshot({ tasks: [task(2, { status: "blocked", labels: ["cw:blocked"], blockedReason: "x" })], links: [dep(2, 7, "closed")] }),
    );
    expect(closedPlainIssue.statusChanges).toEqual([{ taskId: "t2", status: "pending", blockedReason: null }]);
  });

  it("changes nothing when the issue already carries the right label", () => {
    const plan = planTaskStatuses(snapshot({ tasks: [task(1, { labels: ["bug", "cw:ready"] })] }));
    expect(plan).toEqual({ criticalPaths: [], statusChanges: [], labelChanges: [], comments: [], checkpointsOpened: [] });
  });

  it("blocks every task of a cycle and names the cycle in one comment each", () => {
    const plan = planTaskStatuses(snapshot({ tasks: [task(1), task(2), task(3)], links: [dep(1, 2), dep(2, 3), dep(3, 1)] }));
    expect(plan.statusChanges.map((c) => [c.taskId, c.status])).toEqual([
      ["t1", "blocked"],
      ["t2", "blocked"],
      ["t3", "blocked"],
    ]);
    expect(plan.comments).toHaveLength(3);
    for (const c of plan.comments) {
      expect(c.marker).toBe(CYCLE_MARKER);
      expect(c.body).toContain("#1 → #2 → #3 → #1");
    }
  });

  it("announces a resolved cycle once, only where the cycle was reported", () => {
    const plan = planTaskStatuses(
      snapshot({
        tasks: [task(1, { status: "blocked", labels: ["cw:blocked"] }), task(2, { status: "blocked", labels: ["cw:blocked"] })],
        links: [dep(1, 2)],
        commentMarkers: new Map([[CYCLE_MARKER, new Set([1, 2])]]),
      }),
    );
    expect(plan.comments).toEqual([
      { issueNumber: 1, marker: CYCLE_MARKER, body: CYCLE_RESOLVED_TEXT },
      { issueNumber: 2, marker: CYCLE_MARKER, body: CYCLE_RESOLVED_TEXT },
    ]);
  });

  it("reports a missing or unreadable dependency and keeps the task blocked", () => {
    const plan = planTaskStatuses(snapshot({ tasks: [task(1)], links: [dep(1, 99, "missing"), dep(1, 5, "unreadable", "other/private")] }));
    expect(plan.statusChanges[0]).toMatchObject({ status: "blocked" });
    expect(plan.comments).toEqual([expect.objectContaining({ issueNumber: 1, marker: MISSING_MARKER, body: expect.stringContaining("#99, other/private#5") })]);
  });

  it("holds tasks of a phase until the phases it depends on are done", () => {
    const plan = planTaskStatuses(
      snapshot({
        tasks: [task(10, { phaseIssueNumber: 2 })],
        phases: [
          { issueNumber: 1, done: false, dependsOnIssueNumbers: [] },
          { issueNumber: 2, done: false, dependsOnIssueNumbers: [1] },
        ],
      }),
    );
    expect(plan.statusChanges).toEqual([{ taskId: "t10", status: "blocked", blockedReason: "waiting for phase #1" }]);
  });

  it("leaves running, approval-waiting, failed and cancelled tasks alone but fixes their labels", () => {
    const plan = planTaskStatuses(
      snapshot({
        tasks: [
          task(1, { status: "in_progress", awaitingInput: true, claimed: false }),
          task(2, { status: "pending_approval" }),
          task(3, { status: "failed" }),
          task(4, { status: "cancelled", labels: ["cw:ready"] }),
        ],
        links: [dep(1, 9), dep(2, 9)],
      }),
    );
    expect(plan.statusChanges).toEqual([]);
    expect(plan.labelChanges).toEqual([
      { issueNumber: 1, label: "cw:needs-input" },
      { issueNumber: 2, label: "cw:pending-approval" },
      { issueNumber: 3, label: "cw:failed" },
      { issueNumber: 4, label: null },
    ]);
  });

  it("ignores a link of an issue to itself", () => {
    const plan = planTaskStatuses(snapshot({ tasks: [task(1)], links: [dep(1, 1)] }));
    expect(plan.statusChanges).toEqual([]);
  });
});

describe("planTaskStatuses: checkpoints", () => {
  it("hands a ready decision or human action to its person at once: in progress, needs input, opened once", () => {
    const plan = planTaskStatuses(
      snapshot({
        tasks: [
          task(1, { type: "checkpoint:decision" }),
          task(2, { type: "checkpoint:human-action", status: "blocked", blockedReason: "blocked by #9" }),
          task(3, { type: "checkpoint:human-verify" }),
        ],
        links: [],
      }),
    );
    expect(plan.statusChanges).toEqual([
      { taskId: "t1", status: "in_progress", blockedReason: null },
      { taskId: "t2", status: "in_progress", blockedReason: null },
    ]);
    expect(plan.checkpointsOpened).toEqual(["t1", "t2"]);
    // A human-verify checkpoint runs its agent first: it is ready like any task.
    expect(plan.labelChanges).toEqual([
      { issueNumber: 1, label: "cw:needs-input" },
      { issueNumber: 2, label: "cw:needs-input" },
      { issueNumber: 3, label: "cw:ready" },
    ]);
  });

  it("keeps a held decision blocked, and does not ask again once it waits", () => {
    const plan = planTaskStatuses(
      snapshot({
        tasks: [
          task(1, { type: "checkpoint:decision", labels: ["cw:blocked"] }),
          task(2, { type: "checkpoint:decision", status: "in_progress", claimed: false, labels: ["cw:needs-input"] }),
        ],
        links: [dep(1, 9), dep(2, 9)],
      }),
    );
    expect(plan.statusChanges).toEqual([{ taskId: "t1", status: "blocked", blockedReason: "blocked by #9" }]);
    expect(plan.checkpointsOpened).toEqual([]);
    expect(plan.labelChanges).toEqual([]);
  });

  it("shows a human-verify checkpoint whose work waits for approval as needing input", () => {
    const plan = planTaskStatuses(
      snapshot({
        tasks: [
          task(1, { type: "checkpoint:human-verify", status: "in_progress", claimed: false }),
          task(2, { type: "checkpoint:human-verify", status: "in_progress", claimed: true }),
        ],
      }),
    );
    expect(plan.statusChanges).toEqual([]);
    expect(plan.labelChanges).toEqual([
      { issueNumber: 1, label: "cw:needs-input" },
      { issueNumber: 2, label: "cw:in-progress" },
    ]);
  });

  it("makes a task in progress that nothing holds or waits on ready again (its checkpoint label went)", () => {
    const plan = planTaskStatuses(snapshot({ tasks: [task(1, { status: "in_progress", claimed: false, labels: ["cw:needs-input"] })] }));
    expect(plan.statusChanges).toEqual([{ taskId: "t1", status: "pending", blockedReason: null }]);
    expect(plan.labelChanges).toEqual([{ issueNumber: 1, label: "cw:ready" }]);
    expect(plan.checkpointsOpened).toEqual([]);
  });
});

describe("status labels", () => {
  it("maps every status to one label", () => {
    expect(statusLabelFor({ status: "completed", awaitingInput: false, inReview: true })).toBe("cw:in-review");
    expect(statusLabelFor({ status: "completed", awaitingInput: false, inReview: false })).toBe("cw:done");
    expect(statusLabelFor({ status: "in_progress", awaitingInput: false, inReview: false })).toBe("cw:in-progress");
  });

  it("knows when an issue carries exactly one status label", () => {
    expect(carriesExactly(["bug", "cw:ready"], "cw:ready")).toBe(true);
    expect(carriesExactly(["cw:ready", "cw:blocked"], "cw:ready")).toBe(false);
    expect(carriesExactly(["cw:run"], null)).toBe(true);
    expect(carriesExactly(["cw:done"], null)).toBe(false);
  });
});
