/**
 * Posting a review agent's review (github/operations/post-review.ts) against GitHub's answers:
 * always as a COMMENT; a line GitHub cannot place on the diff (422, all or nothing) folds the
 * line comments into the body rather than losing the review; what landed is recorded.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { agentReviews, projects, pullRequests, tasks } from "../../src/db/schema.js";
import { postReview } from "../../src/github/operations/post-review.js";
import { AppOctokitClass } from "../../src/github/octokit.js";
import type { PostReviewIntent } from "../../src/core/intents.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { github, recordedRequests, useStrictNock } from "../support/strict-nock.js";

useStrictNock();
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
beforeEach(async () => database.truncateAll());
afterAll(async () => database.close());

const REVIEWS = "/repos/acme/shop/pulls/7/reviews";

async function intent(): Promise<PostReviewIntent> {
  const [project] = await database.db
    .insert(projects)
    .values({ name: "acme/shop", url: "https://github.com/acme/shop.git", owner: "acme", repo: "shop", installationId: 1 })
    .returning();
  const [pr] = await database.db
    .insert(pullRequests)
    .values({ projectId: project!.id, kind: "phase", subjectId: "p1", head: "cw/x--phase-3", base: "cw/x", number: 7 })
    .returning();
  const [task] = await database.db
    .insert(tasks)
    .values({ projectId: project!.id, pullRequestId: pr!.id, name: "Agent review of #7", category: "review", status: "in_progress" })
    .returning();
  return {
    kind: "post-review",
    repo: { owner: "acme", repo: "shop", installationId: 1 },
    pullNumber: 7,
    pullRequestId: pr!.id,
    taskId: task!.id,
    agentName: "calm-otter",
    commitId: "a".repeat(40),
    marker: "agent-review:t1",
    body: "Two remarks.",
    comments: [
      { path: "a.ts", line: 3, body: "name this better" },
      { path: "b.ts", line: 999, body: "off by one" },
    ],
  };
}

const reviewObject = (id: number, body: string) => ({
  id,
  node_id: "PRR_1",
  user: null,
  body,
  state: "COMMENTED",
  html_url: `https://github.com/acme/shop/pull/7#pullrequestreview-${id}`,
  pull_request_url: "https://api.github.com/repos/acme/shop/pulls/7",
  _links: { html: { href: "x" }, pull_request: { href: "x" } },
  commit_id: "a".repeat(40),
  author_association: "NONE",
});

describe("postReview", () => {
  it("posts a COMMENT with the line comments, and records the review with the ids GitHub gave them", async () => {
    const posted = await intent();
    github().post(REVIEWS).reply(200, reviewObject(55, "x"));
    github()
      .get(`${REVIEWS}/55/comments`)
      .query(true)
      .reply(200, [
        { id: 901, path: "a.ts", line: 3, side: "RIGHT", body: "name this better", diff_hunk: "@@ -1 +1 @@", pull_request_review_id: 55, user: null },
      ]);
    await postReview(new AppOctokitClass({ auth: "token x" }), posted, database.db, { isRetry: false });
    const sent = recordedRequests().find((r) => r.method === "POST")!.body as Record<string, unknown>;
    expect(sent).toMatchObject({ event: "COMMENT", commit_id: "a".repeat(40) });
    expect(String(sent.body)).toMatch(/^<!-- codewalkers:agent-review:t1 -->\nTwo remarks\.$/);
    expect(sent.comments).toEqual([
      { path: "a.ts", line: 3, side: "RIGHT", body: "name this better" },
      { path: "b.ts", line: 999, side: "RIGHT", body: "off by one" },
    ]);
    const [stored] = await database.db.select().from(agentReviews);
    expect(stored).toMatchObject({
      reviewId: 55,
      agentName: "calm-otter",
      body: "Two remarks.",
      comments: [expect.objectContaining({ id: 901, path: "a.ts", line: 3 })],
    });
  });

  it("a line GitHub cannot resolve: the whole review is refused, so it is posted again with the comments in its body", async () => {
    const posted = await intent();
    github()
      .post(REVIEWS)
      .reply(422, { message: "Unprocessable Entity", errors: ["Line could not be resolved"], documentation_url: "x", status: "422" });
    github().post(REVIEWS).reply(200, reviewObject(56, "x"));
    github().get(`${REVIEWS}/56/comments`).query(true).reply(200, []);
    await postReview(new AppOctokitClass({ auth: "token x" }), posted, database.db, { isRetry: false });
    const [, second] = recordedRequests()
      .filter((r) => r.method === "POST")
      .map((r) => r.body as Record<string, unknown>);
    expect(second).toMatchObject({ event: "COMMENT" });
    expect(second!.comments).toBeUndefined();
    expect(String(second!.body)).toContain("GitHub could not place these comments on lines of the diff");
    expect(String(second!.body)).toContain("- `b.ts:999`: off by one");
    const [stored] = await database.db.select().from(agentReviews);
    expect(stored).toMatchObject({ reviewId: 56, comments: [] });
  });
});
