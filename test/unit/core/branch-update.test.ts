import { describe, expect, it } from "vitest";
import { UPDATE_RETRY_HINT, updateCancelledBody, updateInput, updateOutcomeBody, updateQueuedBody, updateTitle } from "../../../src/core/branch-update.js";
import { TASK_RETRY_HINT } from "../../../src/core/refine-review.js";
import { planPullRequests, type PrSnapshot } from "../../../src/core/plan-pull-requests.js";
import { describePullRequest } from "../../../src/core/describe-pull-request.js";

const PR = { number: 7, kind: "phase" as const, head: "cw/shop--phase-3", base: "cw/shop" };

describe("branch update texts", () => {
  it("names the branches in the title and tells the merge agent what to do", () => {
    expect(updateTitle(PR)).toBe("Merge cw/shop into cw/shop--phase-3 (#7)");
    const input = updateInput(PR);
    expect(input).toContain("`cw/shop` is being merged into `cw/shop--phase-3`");
    expect(input).toContain(".cw/input/merge.md");
  });

  it("says whether it waits behind other work on the pull request", () => {
    expect(updateQueuedBody(PR, false)).toContain("resolve the conflicts.");
    expect(updateQueuedBody(PR, true)).toContain("once the agent at work on this pull request is done");
  });

  it("asks the approver to approve the new head, or says it merges by itself when nobody approved", () => {
    expect(updateOutcomeBody(PR, "✅ Merged.", true, ["alice"])).toContain(
      "@alice: `cw/shop--phase-3` is up to date with `cw/shop`; approve its new head to merge it.",
    );
    expect(updateOutcomeBody(PR, "✅ Merged.", true, [])).toContain("it merges once its new head passes its checks");
    const failed = updateOutcomeBody(PR, `❌ It failed.\n\n${TASK_RETRY_HINT}`, false, ["alice"]);
    expect(failed).toContain(UPDATE_RETRY_HINT);
    expect(failed).not.toContain(TASK_RETRY_HINT);
    expect(failed).not.toContain("@alice");
    expect(updateCancelledBody(PR)).toContain("the update was cancelled");
  });
});

describe("a branch update on the phase's check run", () => {
  const snapshot = (kind: "refine" | "update"): PrSnapshot => ({
    defaultBranch: "main",
    reviewers: [],
    mergeMethod: "merge",
    initiatives: [{ id: "i", name: "Shop", branch: "cw/shop", milestoneNumber: 1, status: "active", executionMode: "yolo", mergeRequiresApproval: true }],
    phases: [
      {
        id: "p",
        initiativeId: "i",
        issueNumber: 3,
        name: "Cart",
        branch: "cw/shop--phase-3",
        status: "pending_review",
        issueState: "open",
        labels: [],
        unstarted: [],
      },
    ],
    tasks: [
      {
        id: "t",
        issueNumber: 4,
        name: "Cart model",
        status: "completed",
        summary: "Done.",
        phaseId: "p",
        initiativeId: "i",
        branch: "cw/issue-4",
        issueState: "open",
        agent: null,
      },
    ],
    prs: [
      {
        id: "pr",
        kind: "phase",
        subjectId: "p",
        head: "cw/shop--phase-3",
        base: "cw/shop",
        number: 7,
        headSha: "abc",
        state: "open",
        draft: false,
        merged: false,
        bodyHash: null,
        approvedSha: "old",
        reviewRequested: false,
      },
    ],
    refines: [{ taskId: "u", kind, prId: "pr", status: "pending", reviewers: kind === "refine" ? ["bob"] : [], agent: null }],
  });

  it("holds the yolo merge and says the branch is being brought up to date", () => {
    const plan = planPullRequests(snapshot("update"));
    expect(plan.actions.some((a) => a.kind === "merge-pull-request")).toBe(false);
    const run = plan.actions.find((a) => a.kind === "ensure-check-run");
    expect(run).toMatchObject({ conclusion: "neutral", title: "All 1 tasks done; resolving conflicts with the base branch" });
    expect(run && "summary" in run ? run.summary : "").toContain("- Conflicts with the base branch, merged into this one: ⏳ queued");
    expect(planPullRequests(snapshot("refine")).actions.find((a) => a.kind === "ensure-check-run")).toMatchObject({
      title: "All 1 tasks done; refining the changes requested by @bob",
    });
  });
});

describe("/cw status on a pull request", () => {
  const view = {
    number: 7,
    kind: "phase" as const,
    head: "cw/shop--phase-3",
    base: "cw/shop",
    subject: "phase #3 “Cart”",
    state: "open" as const,
    draft: false,
    merged: false,
    headSha: "bbbbbbbbbb",
    approvedSha: "aaaaaaaaaa",
    approvedBy: "alice",
    mergeBlockedReason: null,
    tasks: { done: 2, total: 2 },
    work: [],
  };

  it("says an approval of an older head does not merge the current one", () => {
    expect(describePullRequest(view)).toContain("- **Approval:** an older head (`aaaaaaa`, by @alice); approve the current head (`bbbbbbb`) to merge it");
  });

  it("shows a merged PR without approval or work lines", () => {
    const text = describePullRequest({ ...view, merged: true, state: "closed", work: [{ kind: "refine", status: "pending", agent: null }] });
    expect(text).toContain(": merged.");
    expect(text).not.toContain("Approval");
    expect(text).not.toContain("At work");
  });
});
