import { describe, expect, it } from "vitest";
import {
  REFINE_RETRY_HINT,
  TASK_RETRY_HINT,
  location,
  refineCancelledBody,
  refineInput,
  refineOutcomeBody,
  refineQueuedBody,
  refineTitle,
  reviewers,
  type RefineReview,
  type ReviewLineComment,
} from "../../../src/core/refine-review.js";

const PR = { number: 50, kind: "phase" as const, head: "cw/checkout--phase-10", base: "cw/checkout" };
const line = (over: Partial<ReviewLineComment> = {}): ReviewLineComment => ({
  id: 1,
  inReplyTo: null,
  path: "src/cart.ts",
  line: 14,
  startLine: null,
  side: "RIGHT",
  diffHunk: "@@ -12,3 +12,3 @@\n a\n-b\n+c",
  body: "Rename this.",
  ...over,
});
const review = (over: Partial<RefineReview> = {}): RefineReview => ({
  reviewId: 900,
  reviewer: "alice",
  body: "Some changes, please.",
  htmlUrl: "https://github.com/o/r/pull/50#pullrequestreview-900",
  commitId: "abcdef1234567890",
  comments: [line()],
  ...over,
});

describe("refine input", () => {
  it("gives the review's body, then each line comment under its file and line with its diff hunk", () => {
    const text = refineInput(PR, [review()]);
    expect(text).toBe(
      [
        "# Changes requested on pull request #50",
        "",
        "The pull request merges `cw/checkout--phase-10` into `cw/checkout`. Your worktree starts from the head of `cw/checkout--phase-10`; make the changes the review below ask for. Your work is merged into that branch when you are done.",
        "",
        "## Review by @alice (on commit abcdef1)",
        "",
        "Some changes, please.",
        "",
        "### Line comments",
        "",
        "#### `src/cart.ts:14`",
        "",
        "```diff",
        "@@ -12,3 +12,3 @@\n a\n-b\n+c",
        "```",
        "",
        "Rename this.",
      ].join("\n"),
    );
  });

  it("names ranges, the old side and whole-file comments; a hunk holding ``` gets a longer fence", () => {
    expect(location(line({ startLine: 10, line: 14 }))).toBe("src/cart.ts:10-14");
    expect(location(line({ side: "LEFT" }))).toBe("src/cart.ts:14 (old)");
    expect(location(line({ line: null }))).toBe("src/cart.ts");
    const text = refineInput(PR, [review({ comments: [line({ diffHunk: "@@ -1 +1 @@\n+```js", body: "" })] })]);
    expect(text).toContain("````diff\n@@ -1 +1 @@\n+```js\n````");
    expect(text).toContain("(empty comment)");
  });

  it("puts several reviews one after the other; a review with no body says where to look", () => {
    const text = refineInput(PR, [review(), review({ reviewId: 901, reviewer: "bob", body: "", comments: [] })]);
    expect(text).toContain("the reviews below ask for");
    expect(text.indexOf("## Review by @alice")).toBeLessThan(text.indexOf("## Review by @bob"));
    expect(text).toContain("## Review by @bob (on commit abcdef1)\n\n(no summary: see the line comments)");
  });
});

describe("refine comments", () => {
  it("names each reviewer once, and links every review", () => {
    const both = [review(), review({ reviewId: 901, reviewer: "Bob", htmlUrl: "u2" }), review({ reviewId: 902, reviewer: "ALICE", htmlUrl: "u3" })];
    expect(reviewers(both)).toEqual(["alice", "Bob"]);
    expect(refineTitle(PR, both)).toBe("Changes requested on #50 by @alice, @Bob");
    const queued = refineQueuedBody(PR, both, true);
    expect(queued).toContain("@Bob ([review](u2))");
    expect(queued).toContain("once the refine in progress is done");
  });

  it("a finished refine asks the reviewers again; a failed one says how to retry on the PR, not on an issue", () => {
    expect(refineOutcomeBody([review()], "✅ Done.", true)).toContain("@alice: the changes are pushed; your review is requested again.");
    const failed = refineOutcomeBody([review()], `❌ It failed.\n\n${TASK_RETRY_HINT}`, false);
    expect(failed).not.toContain(TASK_RETRY_HINT);
    expect(failed).toContain(REFINE_RETRY_HINT);
    expect(failed).not.toContain("requested again");
    expect(refineCancelledBody([review()], "dismissed")).toContain("dismissed before its refine started");
  });
});
