import { afterEach, describe, expect, it } from "vitest";
import { AppOctokitClass, type AppOctokit } from "../../src/github/octokit.js";
import { APP_BOT, FakeGitHub, GitHubError } from "../support/fake-github/index.js";
import { cleanupGitFixtures, cloneAndCommit, commitParents, createBareRemote, logSubjects, readFileAt, type BareRemote } from "../support/git-fixtures.js";
import { READER, WRITER } from "../support/payloads.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
afterEach(cleanupGitFixtures);

const owner = "Codertocat";
const repo = "Hello-World";
const MERGE = "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge";
const MAINTAINER = { login: "octo-maintainer", id: 1003 };

type Payload = Record<string, any>;

function octokit(): AppOctokit {
  return new AppOctokitClass({ auth: "x" }) as AppOctokit;
}

async function failure(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status: number; response?: { data?: { message?: string } } };
    return { status: e.status, message: e.response?.data?.message ?? "" };
  }
  throw new Error("expected the request to fail");
}

/** The body of a failed request (GitHub's error document). */
async function errorData(promise: Promise<unknown>): Promise<Payload> {
  try {
    await promise;
  } catch (error) {
    return (error as { response: { data: Payload } }).response.data;
  }
  throw new Error("expected the request to fail");
}

async function graphqlErrors(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (error) {
    // Octokit's GraphqlResponseError: the response had `errors` (GitHub answers them with 200).
    const errors = (error as { errors?: { message: string }[] }).errors;
    if (errors) return errors.map((e) => e.message);
    throw error;
  }
  throw new Error("expected GraphQL errors");
}

const hooks = (fake: FakeGitHub) => fake.pendingWebhooks.map((w) => `${w.event}.${w.action}`);

/** A fake whose repository is a real bare repository with `main` and a `feature` branch one commit ahead. */
async function gitFake(options: { files?: Record<string, string> } = {}): Promise<{ fake: FakeGitHub; remote: BareRemote; feature: string }> {
  const remote = await createBareRemote({ files: options.files ?? { "README.md": "# Hello\n", "src/a.txt": "a\n" } });
  const fake = new FakeGitHub({ repositories: [{ cloneUrl: remote.path }] });
  fake.setPermission(MAINTAINER.login, "maintain");
  const feature = await cloneAndCommit(remote, "feature", { "src/feature.txt": "feature\n" }, "Add the feature");
  return { fake, remote, feature };
}

async function createPull(gh: AppOctokit, input: { head?: string; base?: string; title?: string; body?: string; draft?: boolean } = {}) {
  const { data } = await gh.rest.pulls.create({
    owner,
    repo,
    head: input.head ?? "feature",
    base: input.base ?? "main",
    title: input.title ?? "Add the feature",
    body: input.body,
    draft: input.draft,
  });
  return data;
}

describe("FakeGitHub pull requests: create, list, get, update", () => {
  it("creates a pull request from the bare repository's branches, sharing the issues' number sequence", async () => {
    const { fake, remote, feature } = await gitFake();
    const issue = fake.openIssue({ title: "Do the feature" });
    fake.dropWebhooks();
    const gh = octokit();

    const pr = await createPull(gh, { body: `Fixes #${issue}` });
    expect(pr).toMatchObject({
      number: issue + 1,
      node_id: `PR_${pr.id}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${issue + 1}`,
      state: "open",
      draft: false,
      merged: false,
      merged_at: null,
      merge_commit_sha: null,
      mergeable: true,
      mergeable_state: "clean",
      title: "Add the feature",
      body: `Fixes #${issue}`,
      user: { login: APP_BOT.login, type: "Bot" },
      head: { ref: "feature", sha: feature, label: `${owner}:feature`, repo: { full_name: `${owner}/${repo}`, clone_url: remote.path } },
      base: { ref: "main", sha: fake.branchSha("main") },
      requested_reviewers: [],
      commits: 1,
      additions: 1,
      changed_files: 1,
      auto_merge: null,
    });
    expect(pr.id).not.toBe(fake.issue(pr.number).id);
    expect(fake.pendingWebhooks.map((w) => `${w.event}.${w.action} ${w.fromApp}`)).toEqual(["pull_request.opened true"]);
    expect(fake.pendingWebhooks[0]!.payload).toMatchObject({
      action: "opened",
      number: pr.number,
      pull_request: { number: pr.number, head: { sha: feature } },
      sender: { login: APP_BOT.login },
      installation: { id: 957387 },
    });

    // A pull request is an issue too: comments, labels, and issue lists (with `pull_request`).
    await gh.rest.issues.createComment({ owner, repo, issue_number: pr.number, body: "hello" });
    await gh.rest.issues.addLabels({ owner, repo, issue_number: pr.number, labels: ["cw:in-review"] });
    expect(fake.commentsOn(pr.number).map((c) => c.body)).toEqual(["hello"]);
    const { data: asIssue } = await gh.rest.issues.get({ owner, repo, issue_number: pr.number });
    expect(asIssue.pull_request).toMatchObject({ url: `https://api.github.com/repos/${owner}/${repo}/pulls/${pr.number}`, merged_at: null });
    expect(hooks(fake).slice(1)).toEqual(["issue_comment.created", "pull_request.labeled"]);
    expect(fake.pendingWebhooks[1]!.payload.issue).toMatchObject({ number: pr.number, pull_request: {} });
    expect(fake.pull(pr.number)).toMatchObject({ number: pr.number, labels: ["cw:in-review"], head: { ref: "feature", sha: feature }, state: "open" });
    expect(fake.openIssue({ title: "next" })).toBe(pr.number + 1);
  });

  it("answers 422 for a second open pull request on the same branches, missing branches and no commits", async () => {
    const { fake } = await gitFake();
    const gh = octokit();
    await createPull(gh);
    expect(await failure(createPull(gh))).toEqual({ status: 422, message: "Validation Failed" });
    const duplicate = await errorData(createPull(gh));
    expect(duplicate.errors).toEqual([{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${owner}:feature.` }]);
    const missingHead = await errorData(createPull(gh, { head: "nope" }));
    expect(missingHead.errors).toEqual([{ resource: "PullRequest", field: "head", code: "invalid" }]);
    const missingBase = await errorData(createPull(gh, { base: "nope" }));
    expect(missingBase.errors).toEqual([{ resource: "PullRequest", field: "base", code: "invalid" }]);
    const noCommits = await errorData(createPull(gh, { head: "main", base: "feature" }));
    expect(noCommits.errors).toEqual([{ resource: "PullRequest", code: "custom", message: "No commits between feature and main" }]);
    expect(fake.counts()).toMatchObject({ writes: 6, redundantWrites: 5 });
    expect(fake.pulls()).toHaveLength(1);
  });

  it("lists by state, head (owner:branch) and base, newest first; gets one; 404 for a missing one", async () => {
    const { fake, remote } = await gitFake();
    await cloneAndCommit(remote, "other", { "o.txt": "o\n" }, "Other");
    const gh = octokit();
    const a = await createPull(gh);
    const b = await createPull(gh, { head: "other", title: "Other" });
    fake.closePullRequest(b.number, WRITER);
    const list = (query: Record<string, string>) => gh.rest.pulls.list({ owner, repo, per_page: 100, ...query }).then((r) => r.data.map((p) => p.number));
    expect(await list({})).toEqual([a.number]);
    expect(await list({ state: "all" })).toEqual([b.number, a.number]);
    expect(await list({ state: "closed" })).toEqual([b.number]);
    expect(await list({ state: "all", head: `${owner}:other` })).toEqual([b.number]);
    expect(await list({ head: `${owner}:feature`, base: "main", state: "open" })).toEqual([a.number]);
    expect(await list({ head: `${owner}:feature`, base: "develop" })).toEqual([]);
    expect(await list({ state: "all", direction: "asc" })).toEqual([a.number, b.number]);
    const listed = (await gh.rest.pulls.list({ owner, repo })).data[0]!;
    expect(listed).not.toHaveProperty("mergeable_state"); // lists carry the simple form
    expect((await gh.rest.pulls.get({ owner, repo, pull_number: b.number })).data).toMatchObject({ state: "closed", merged: false, mergeable: null });
    expect((await failure(gh.rest.pulls.get({ owner, repo, pull_number: 99 }))).status).toBe(404);
  });

  it("patches title, body and base (edited with changes), closes and reopens; an unchanged patch is redundant", async () => {
    const { fake, remote } = await gitFake();
    await cloneAndCommit(remote, "develop", { "d.txt": "d\n" }, "Develop");
    const gh = octokit();
    const pr = await createPull(gh);
    const mainSha = fake.branchSha("main");
    fake.dropWebhooks();
    fake.resetCounts();

    const { data } = await gh.rest.pulls.update({ owner, repo, pull_number: pr.number, title: "Renamed", body: "Body", base: "develop" });
    expect(data).toMatchObject({ title: "Renamed", body: "Body", base: { ref: "develop", sha: fake.branchSha("develop") } });
    await gh.rest.pulls.update({ owner, repo, pull_number: pr.number, title: "Renamed", body: "Body" });
    await gh.rest.pulls.update({ owner, repo, pull_number: pr.number, state: "closed" });
    await gh.rest.pulls.update({ owner, repo, pull_number: pr.number, state: "open" });
    expect(fake.counts()).toMatchObject({ writes: 4, redundantWrites: 1 });
    expect(hooks(fake)).toEqual(["pull_request.edited", "pull_request.closed", "pull_request.reopened"]);
    expect(fake.pendingWebhooks[0]!.payload.changes).toEqual({
      title: { from: "Add the feature" },
      body: { from: "" },
      base: { ref: { from: "main" }, sha: { from: mainSha } },
    });
    expect(fake.pendingWebhooks[1]!.payload.pull_request).toMatchObject({ state: "closed", merged: false });
    expect(fake.pendingWebhooks.every((w) => w.fromApp)).toBe(true);
  });
});

describe("FakeGitHub pull requests: merging in the bare repository", () => {
  it("merges with a merge commit on base, closes the PR and the issues it fixes; a second merge is a redundant 405", async () => {
    const { fake, remote, feature } = await gitFake();
    const fixed = fake.openIssue({ title: "Bug" });
    const mentioned = fake.openIssue({ title: "Only mentioned" });
    const gh = octokit();
    const pr = await createPull(gh, { body: `Fixes #${fixed}, see #${mentioned}` });
    const baseBefore = fake.branchSha("main")!;
    fake.dropWebhooks();
    fake.resetCounts();

    const { data } = await gh.rest.pulls.merge({ owner, repo, pull_number: pr.number, sha: feature, merge_method: "merge" });
    expect(data).toEqual({ sha: fake.branchSha("main"), merged: true, message: "Pull Request successfully merged" });
    expect(await commitParents(remote, data.sha)).toEqual([baseBefore, feature]);
    expect(await logSubjects(remote, "main")).toEqual([`Merge pull request #${pr.number} from ${owner}/feature`, "Add the feature", "initial"]);
    expect(await readFileAt(remote, "main", "src/feature.txt")).toBe("feature\n");
    expect(fake.fileAt("main", "src/feature.txt")).toBe("feature\n");

    expect(fake.pull(pr.number)).toMatchObject({ state: "closed", merged: true, mergedBy: APP_BOT, mergeCommitSha: data.sha, base: { sha: baseBefore } });
    expect(fake.issue(fixed)).toMatchObject({ state: "closed", stateReason: "completed", closedBy: APP_BOT });
    expect(fake.issue(mentioned).state).toBe("open");
    expect(fake.pendingWebhooks.map((w) => `${w.event}.${w.action} ${w.fromApp}`)).toEqual(["pull_request.closed true", "issues.closed true"]);
    expect(fake.pendingWebhooks[0]!.payload.pull_request).toMatchObject({ merged: true, merge_commit_sha: data.sha, merged_by: { login: APP_BOT.login } });
    expect((await gh.rest.pulls.checkIfMerged({ owner, repo, pull_number: pr.number })).status).toBe(204);

    expect(await failure(gh.rest.pulls.merge({ owner, repo, pull_number: pr.number, sha: feature }))).toEqual({
      status: 405,
      message: "Pull Request is not mergeable",
    });
    expect(fake.counts()).toMatchObject({ writes: 2, redundantWrites: 1 });
  });

  it("squashes into one commit with the merged tree; rebase keeps the head's messages on one commit", async () => {
    const { fake, remote } = await gitFake();
    await cloneAndCommit(remote, "feature", { "src/more.txt": "more\n" }, "Add more");
    await cloneAndCommit(remote, "fix", { "src/a.txt": "a fixed\n" }, "Fix a\n\nBecause it was broken.");
    const gh = octokit();
    const squash = await createPull(gh, { title: "Feature" });
    const rebase = await createPull(gh, { head: "fix", title: "Fix" });

    const squashed = (await gh.rest.pulls.merge({ owner, repo, pull_number: squash.number, merge_method: "squash" })).data.sha;
    expect(await commitParents(remote, squashed)).toHaveLength(1);
    expect(await logSubjects(remote, "main")).toEqual([`Feature (#${squash.number})`, "initial"]);
    expect(fake.fileAt("main", "src/more.txt")).toBe("more\n");

    const rebased = (await gh.rest.pulls.merge({ owner, repo, pull_number: rebase.number, merge_method: "rebase" })).data.sha;
    expect(await commitParents(remote, rebased)).toEqual([squashed]);
    expect(await logSubjects(remote, "main")).toEqual(["Fix a", `Feature (#${squash.number})`, "initial"]);
    expect(fake.fileAt("main", "src/a.txt")).toBe("a fixed\n");
    expect(fake.fileAt("main", "src/feature.txt")).toBe("feature\n");
  });

  it("answers 409 for a head that moved, 405 for a draft, a conflict, or a closed pull request", async () => {
    const { fake, remote, feature } = await gitFake();
    await cloneAndCommit(remote, "clash", { "README.md": "# Theirs\n" }, "Theirs");
    const gh = octokit();
    const pr = await createPull(gh);
    const draft = await createPull(gh, { head: "clash", draft: true, title: "Clash" });

    fake.pushToBranch("feature", { "src/late.txt": "late\n" }, "A late change", WRITER);
    expect(await failure(gh.rest.pulls.merge({ owner, repo, pull_number: pr.number, sha: feature }))).toEqual({
      status: 409,
      message: "Head branch was modified. Review and try the merge again.",
    });
    expect(await failure(gh.rest.pulls.merge({ owner, repo, pull_number: draft.number }))).toEqual({ status: 405, message: "Pull Request is not mergeable" });

    fake.markReadyForReview(draft.number);
    fake.pushToBranch("main", { "README.md": "# Ours\n" }, "Ours", WRITER);
    expect(fake.pullObject(draft.number)).toMatchObject({ mergeable: false, mergeable_state: "dirty" });
    expect(await failure(gh.rest.pulls.merge({ owner, repo, pull_number: draft.number }))).toEqual({ status: 405, message: "Pull Request is not mergeable" });
    expect(fake.branchSha("main")).toBe(fake.pull(pr.number).base.sha); // nothing written

    fake.closePullRequest(draft.number, WRITER);
    expect((await failure(gh.rest.pulls.merge({ owner, repo, pull_number: draft.number }))).status).toBe(405);
    expect(fake.counts()).toMatchObject({ redundantWrites: 4 });
  });

  it("a person merges and closes; their merge sends closed (merged) and closes issues as them", async () => {
    const { fake } = await gitFake();
    const issue = fake.openIssue({ title: "Bug" });
    const gh = octokit();
    const a = await createPull(gh, { body: `Resolves #${issue}` });
    fake.dropWebhooks();
    const sha = fake.mergePullRequest(a.number, MAINTAINER, { method: "squash" });
    expect(fake.branchSha("main")).toBe(sha);
    expect(fake.pendingWebhooks.map((w) => `${w.event}.${w.action} ${(w.payload.sender as Payload).login}`)).toEqual([
      `pull_request.closed ${MAINTAINER.login}`,
      `issues.closed ${MAINTAINER.login}`,
    ]);
    expect(() => fake.mergePullRequest(a.number)).toThrow(GitHubError);
  });
});

describe("FakeGitHub pull requests: branch protection, reviews and checks", () => {
  it("needs the required approvals (by writers, latest review each) and passing required checks", async () => {
    const { fake, feature } = await gitFake();
    fake.protectBranch("main", { requiredApprovals: 1, requiredChecks: ["ci"] });
    const gh = octokit();
    const pr = await createPull(gh);
    const merge = () => gh.rest.pulls.merge({ owner, repo, pull_number: pr.number, sha: feature });

    expect(fake.pullObject(pr.number)).toMatchObject({ mergeable: true, mergeable_state: "blocked" });
    expect((await failure(merge())).status).toBe(405);
    fake.approve(pr.number, READER); // read access: does not count
    fake.completeChecks(feature, "success");
    expect((await failure(merge())).status).toBe(405);
    const changes = fake.requestChanges(pr.number, WRITER, "Not yet");
    fake.approve(pr.number, MAINTAINER);
    expect((await failure(merge())).status).toBe(405); // changes requested by a writer
    fake.dismissReview(pr.number, changes, MAINTAINER, "Outdated");
    expect(fake.pullObject(pr.number)).toMatchObject({ mergeable_state: "clean" });
    await merge();
    expect(fake.pull(pr.number).merged).toBe(true);
  });

  it("a failed or missing required check blocks; approvals on an older head do not count with dismissStaleReviews", async () => {
    const { fake } = await gitFake();
    fake.protectBranch("ma*", { requiredApprovals: 1, requiredChecks: ["ci", "lint"], dismissStaleReviews: true });
    const gh = octokit();
    const pr = await createPull(gh);
    const first = fake.pull(pr.number).head.sha;
    fake.approve(pr.number, WRITER);
    fake.completeChecks(first, "failure", { names: ["ci"] });
    expect(fake.pullObject(pr.number).mergeable_state).toBe("blocked");
    fake.completeChecks(first, "success");
    expect(fake.pullObject(pr.number).mergeable_state).toBe("clean");

    fake.dropWebhooks();
    const second = fake.pushToBranch("feature", { "src/x.txt": "x\n" }, "More", WRITER);
    expect(hooks(fake)).toEqual(["pull_request_review.dismissed", "pull_request.synchronize"]);
    fake.completeChecks(second, "success");
    expect(fake.pullObject(pr.number).mergeable_state).toBe("blocked");
    fake.approve(pr.number, WRITER, { commitId: first });
    expect(fake.pullObject(pr.number).mergeable_state).toBe("blocked"); // on the old head
    fake.approve(pr.number, WRITER);
    expect(fake.pullObject(pr.number).mergeable_state).toBe("clean");
  });

  it("reviews: approve, request changes with line comments, comment, dismiss; listed with their comments; webhooks", async () => {
    const { fake, feature } = await gitFake();
    const gh = octokit();
    const pr = await createPull(gh);
    fake.dropWebhooks();

    const approval = fake.approve(pr.number, WRITER, { commitId: feature });
    const changes = fake.requestChanges(pr.number, MAINTAINER, "Please fix", [
      { path: "src/feature.txt", line: 1, body: "Typo here" },
      { path: "README.md", line: 1, body: "And here" },
    ]);
    fake.commentReview(pr.number, READER, "Looks interesting");
    fake.dismissReview(pr.number, approval, MAINTAINER, "Not this one");

    const { data: reviews } = await gh.rest.pulls.listReviews({ owner, repo, pull_number: pr.number });
    expect(reviews.map((r) => [r.user!.login, r.state, r.body, r.commit_id])).toEqual([
      [WRITER.login, "DISMISSED", "", feature],
      [MAINTAINER.login, "CHANGES_REQUESTED", "Please fix", feature],
      [READER.login, "COMMENTED", "Looks interesting", feature],
    ]);
    const { data: lineComments } = await gh.rest.pulls.listCommentsForReview({ owner, repo, pull_number: pr.number, review_id: changes });
    expect(lineComments.map((c) => [c.path, c.line, c.body, c.pull_request_review_id])).toEqual([
      ["src/feature.txt", 1, "Typo here", changes],
      ["README.md", 1, "And here", changes],
    ]);
    const { data: all } = await gh.rest.pulls.listReviewComments({ owner, repo, pull_number: pr.number });
    expect(all).toHaveLength(2);
    expect((await gh.rest.pulls.getReview({ owner, repo, pull_number: pr.number, review_id: changes })).data.state).toBe("CHANGES_REQUESTED");

    expect(hooks(fake)).toEqual([
      "pull_request_review.submitted",
      "pull_request_review.submitted",
      "pull_request_review.submitted",
      "pull_request_review.dismissed",
    ]);
    expect(fake.pendingWebhooks[0]!.payload).toMatchObject({
      action: "submitted",
      review: { id: approval, state: "approved", commit_id: feature, body: null, user: { login: WRITER.login } },
      pull_request: { number: pr.number, head: { sha: feature } },
      sender: { login: WRITER.login },
      installation: { id: 957387 },
    });
    expect(fake.pendingWebhooks[1]!.payload.review).toMatchObject({ state: "changes_requested", body: "Please fix" });
    expect(fake.pendingWebhooks[3]!.payload.review).toMatchObject({ id: approval, state: "dismissed" });
    expect(fake.reviewsOn(pr.number).map((r) => r.state)).toEqual(["DISMISSED", "CHANGES_REQUESTED", "COMMENTED"]);
    expect(fake.reviewCommentsOn(pr.number).map((c) => c.body)).toEqual(["Typo here", "And here"]);
  });

  it("line comments carry their diff hunk up to the line (from git); the app replies in a thread, never to a reply", async () => {
    const { fake } = await gitFake();
    const gh = octokit();
    const pr = await createPull(gh);
    const changes = fake.requestChanges(pr.number, MAINTAINER, "Please fix", [
      { path: "src/feature.txt", line: 1, body: "Typo here" },
      { path: "README.md", line: 1, body: "Not in the diff" },
    ]);
    const { data: lineComments } = await gh.rest.pulls.listCommentsForReview({ owner, repo, pull_number: pr.number, review_id: changes });
    expect(lineComments.map((c) => c.diff_hunk)).toEqual(["@@ -0,0 +1 @@\n+feature", "@@ -1,1 +1,1 @@"]);
    expect(lineComments[0]).not.toHaveProperty("in_reply_to_id");
    fake.dropWebhooks();

    const { data: reply } = await gh.rest.pulls.createReplyForReviewComment({
      owner,
      repo,
      pull_number: pr.number,
      comment_id: lineComments[0]!.id,
      body: "Fixed.",
    });
    expect(reply).toMatchObject({ in_reply_to_id: lineComments[0]!.id, path: "src/feature.txt", line: 1, body: "Fixed.", user: { login: APP_BOT.login } });
    expect(fake.pendingWebhooks.map((w) => `${w.event}.${w.action} ${w.fromApp}`)).toEqual(["pull_request_review.submitted true"]);
    expect(fake.reviewsOn(pr.number).at(-1)).toMatchObject({ state: "COMMENTED", user: { login: APP_BOT.login } });
    const { data: all } = await gh.rest.pulls.listReviewComments({ owner, repo, pull_number: pr.number });
    expect(all.map((c) => [c.body, c.in_reply_to_id ?? null])).toEqual([
      ["Typo here", null],
      ["Not in the diff", null],
      ["Fixed.", lineComments[0]!.id],
    ]);
    expect(
      (await failure(gh.rest.pulls.createReplyForReviewComment({ owner, repo, pull_number: pr.number, comment_id: reply.id, body: "Again" }))).status,
    ).toBe(422);
    expect((await failure(gh.rest.pulls.createReplyForReviewComment({ owner, repo, pull_number: pr.number, comment_id: 1, body: "Nobody" }))).status).toBe(404);
  });

  it("the app replies with a COMMENT review (echoed); it cannot approve its own pull request", async () => {
    const { fake, feature } = await gitFake();
    const gh = octokit();
    const own = await createPull(gh);
    fake.dropWebhooks();
    const { data } = await gh.rest.pulls.createReview({
      owner,
      repo,
      pull_number: own.number,
      event: "COMMENT",
      body: "Answering the review",
      comments: [{ path: "src/feature.txt", line: 1, body: "Fixed" }],
    });
    expect(data).toMatchObject({ state: "COMMENTED", body: "Answering the review", commit_id: feature, user: { login: APP_BOT.login } });
    expect(fake.pendingWebhooks.map((w) => `${w.event}.${w.action} ${w.fromApp}`)).toEqual(["pull_request_review.submitted true"]);
    expect(fake.reviewCommentsOn(own.number)).toMatchObject([{ path: "src/feature.txt", line: 1, body: "Fixed", reviewId: data.id }]);
    expect((await failure(gh.rest.pulls.createReview({ owner, repo, pull_number: own.number, event: "APPROVE" }))).status).toBe(422);
  });

  it("requests and removes reviewers (users and teams); 422 for a stranger or the author; a repeat is redundant", async () => {
    const { fake } = await gitFake();
    const gh = octokit();
    const theirs = fake.openPullRequest({ title: "Theirs", head: "feature" }, WRITER);
    fake.dropWebhooks();
    const { data } = await gh.rest.pulls.requestReviewers({ owner, repo, pull_number: theirs, reviewers: [MAINTAINER.login], team_reviewers: ["core"] });
    expect(data.requested_reviewers!.map((u) => u.login)).toEqual([MAINTAINER.login]);
    expect(data.requested_teams!.map((t) => t.slug)).toEqual(["core"]);
    await gh.rest.pulls.requestReviewers({ owner, repo, pull_number: theirs, reviewers: [MAINTAINER.login] });
    expect((await failure(gh.rest.pulls.requestReviewers({ owner, repo, pull_number: theirs, reviewers: ["stranger"] }))).status).toBe(422);
    expect(await failure(gh.rest.pulls.requestReviewers({ owner, repo, pull_number: theirs, reviewers: [WRITER.login] }))).toEqual({
      status: 422,
      message: "Review cannot be requested from pull request author.",
    });
    expect((await gh.rest.pulls.listRequestedReviewers({ owner, repo, pull_number: theirs })).data.users.map((u) => u.login)).toEqual([MAINTAINER.login]);
    await gh.rest.pulls.removeRequestedReviewers({ owner, repo, pull_number: theirs, reviewers: [MAINTAINER.login], team_reviewers: [] });
    expect(fake.counts()).toMatchObject({ writes: 5, redundantWrites: 3 });
    expect(hooks(fake)).toEqual(["pull_request.review_requested", "pull_request.review_requested", "pull_request.review_request_removed"]);
    expect(fake.pendingWebhooks[0]!.payload).toMatchObject({ requested_reviewer: { login: MAINTAINER.login }, sender: { login: APP_BOT.login } });
    expect(fake.pendingWebhooks[1]!.payload).toMatchObject({ requested_team: { slug: "core" } });

    // A requested reviewer who reviews is no longer requested.
    await gh.rest.pulls.requestReviewers({ owner, repo, pull_number: theirs, reviewers: [MAINTAINER.login] });
    fake.approve(theirs, MAINTAINER);
    expect(fake.pull(theirs).requestedReviewers).toEqual([]);
  });

  it("check runs: create, update (an unchanged update is redundant), list for a commit or a branch", async () => {
    const { fake, feature } = await gitFake();
    const gh = octokit();
    const pr = await createPull(gh);
    const { data: run } = await gh.rest.checks.create({
      owner,
      repo,
      name: "codewalkers",
      head_sha: feature,
      status: "in_progress",
      external_id: "task-1",
      details_url: "https://example.test/runs/1",
      output: { title: "Working", summary: "An agent is on it" },
    });
    expect(run).toMatchObject({
      name: "codewalkers",
      head_sha: feature,
      status: "in_progress",
      conclusion: null,
      external_id: "task-1",
      app: { slug: "codewalkers" },
      pull_requests: [{ number: pr.number }],
    });
    const { data: done } = await gh.rest.checks.update({
      owner,
      repo,
      check_run_id: run.id,
      conclusion: "success",
      output: { title: "Done", summary: "All good", text: "details" },
    });
    expect(done).toMatchObject({ status: "completed", conclusion: "success", output: { title: "Done", summary: "All good", text: "details" } });
    await gh.rest.checks.update({ owner, repo, check_run_id: run.id, conclusion: "success" });
    fake.completeChecks(feature, "failure", { names: ["ci"] });

    const byBranch = await gh.rest.checks.listForRef({ owner, repo, ref: "feature" });
    expect(byBranch.data.total_count).toBe(2);
    expect(byBranch.data.check_runs.map((r) => [r.name, r.conclusion, r.app!.slug])).toEqual([
      ["ci", "failure", "github-actions"],
      ["codewalkers", "success", "codewalkers"],
    ]);
    const bySha = await gh.rest.checks.listForRef({ owner, repo, ref: feature, check_name: "codewalkers" });
    expect(bySha.data.check_runs.map((r) => r.id)).toEqual([run.id]);
    expect((await failure(gh.rest.checks.create({ owner, repo, name: "x", head_sha: "0".repeat(40) }))).status).toBe(422);
    expect(fake.counts()).toMatchObject({ redundantWrites: 2 });
    expect(fake.checkRuns(feature).map((r) => r.name)).toEqual(["codewalkers", "ci"]);
    expect(fake.pullObject(pr.number).mergeable_state).toBe("unstable"); // a failing check that is not required
    expect(hooks(fake).at(-1)).toBe("check_suite.completed");
    expect(fake.pendingWebhooks.at(-1)!.payload).toMatchObject({
      check_suite: {
        head_sha: feature,
        head_branch: "feature",
        status: "completed",
        conclusion: "failure",
        pull_requests: [{ number: pr.number, head: { sha: feature }, base: { ref: "main" } }],
      },
      sender: { login: "github-actions[bot]" },
    });
  });
});

describe("FakeGitHub pull requests: pushes", () => {
  it("a person's push updates the head and sends synchronize; the app's own pushes are noticed on the next request", async () => {
    const { fake, remote, feature } = await gitFake();
    const gh = octokit();
    const pr = await createPull(gh);
    fake.dropWebhooks();

    const pushed = fake.pushToBranch("feature", { "src/feature.txt": "changed\n", "src/a.txt": null }, "Rework", WRITER);
    expect(fake.pull(pr.number).head.sha).toBe(pushed);
    expect(await commitParents(remote, pushed)).toEqual([feature]);
    expect(fake.fileAt("feature", "src/a.txt")).toBeUndefined();
    expect(fake.pendingWebhooks.map((w) => `${w.event}.${w.action} ${(w.payload.sender as Payload).login}`)).toEqual([
      `pull_request.synchronize ${WRITER.login}`,
    ]);
    expect(fake.pendingWebhooks[0]!.payload).toMatchObject({ before: feature, after: pushed, pull_request: { head: { sha: pushed } } });

    // The runner pushes with git, not through the fake: the next request sees it.
    const runner = await cloneAndCommit(remote, "feature", { "src/feature.txt": "by the agent\n" }, "Agent work");
    const { data } = await gh.rest.pulls.get({ owner, repo, pull_number: pr.number });
    expect(data.head.sha).toBe(runner);
    expect(fake.pendingWebhooks.map((w) => `${w.event}.${w.action} ${w.fromApp}`)).toEqual(["pull_request.synchronize false", "pull_request.synchronize true"]);
    // A new branch comes from the default branch.
    const fresh = fake.pushToBranch("cw/new", { "n.txt": "n\n" }, "New");
    expect(await commitParents(remote, fresh)).toEqual([fake.branchSha("main")]);
  });
});

describe("FakeGitHub pull requests: GraphQL", () => {
  it("marks a draft ready for review", async () => {
    const { fake } = await gitFake();
    const gh = octokit();
    const pr = await createPull(gh, { draft: true });
    fake.dropWebhooks();
    const mark = () =>
      gh.graphql<{ markPullRequestReadyForReview: { pullRequest: { isDraft: boolean; number: number } } }>(
        `mutation MarkReady($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft number } } }`,
        { id: pr.node_id },
      );
    expect((await mark()).markPullRequestReadyForReview.pullRequest).toMatchObject({ isDraft: false, number: pr.number });
    await mark();
    expect(fake.pull(pr.number).draft).toBe(false);
    expect(fake.pendingWebhooks.map((w) => `${w.event}.${w.action} ${w.fromApp}`)).toEqual(["pull_request.ready_for_review true"]);
    expect(fake.counts()).toMatchObject({ byRoute: { "POST /graphql": 2 }, redundantWrites: 1 });
  });

  it("enables auto-merge with the head as guard; completing the required checks merges it", async () => {
    const { fake, remote, feature } = await gitFake();
    const issue = fake.openIssue({ title: "Bug" });
    fake.protectBranch("main", { requiredChecks: ["ci"] });
    const gh = octokit();
    const pr = await createPull(gh, { body: `Closes #${issue}` });
    expect(await failure(gh.rest.pulls.merge({ owner, repo, pull_number: pr.number, sha: feature, merge_method: "squash" }))).toEqual({
      status: 405,
      message: "Pull Request is not mergeable",
    });
    fake.dropWebhooks();
    const enable = (sha: string) =>
      gh.graphql(
        // (@octokit/graphql refuses a variable named `method`: it is one of its request options.)
        `mutation AutoMerge($id: ID!, $mergeMethod: PullRequestMergeMethod!, $sha: GitObjectID!) {
          enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: $mergeMethod, expectedHeadOid: $sha }) { clientMutationId }
        }`,
        { id: pr.node_id, mergeMethod: "SQUASH", sha },
      );
    expect(await graphqlErrors(enable("f".repeat(40)))).toEqual(["Pull request head commit does not match the expected head oid"]);
    expect(await enable(feature)).toEqual({
      enablePullRequestAutoMerge: {
        clientMutationId: null,
        pullRequest: expect.objectContaining({ autoMergeRequest: expect.objectContaining({ mergeMethod: "SQUASH" }) }),
        actor: { login: APP_BOT.login },
      },
    });
    expect(fake.pull(pr.number).autoMerge).toMatchObject({ mergeMethod: "squash", enabledBy: APP_BOT, expectedHeadOid: feature });
    expect(fake.pullObject(pr.number)).toMatchObject({ auto_merge: { merge_method: "squash", enabled_by: { login: APP_BOT.login } } });

    fake.completeChecks(feature, "success");
    expect(fake.pull(pr.number)).toMatchObject({ merged: true, state: "closed", mergedBy: APP_BOT, autoMerge: null });
    expect(await logSubjects(remote, "main")).toEqual([`Add the feature (#${pr.number})`, "initial"]);
    expect(hooks(fake)).toEqual(["pull_request.auto_merge_enabled", "check_suite.completed", "pull_request.closed", "issues.closed"]);
    expect(fake.pendingWebhooks[2]!.payload.pull_request).toMatchObject({ merged: true });
  });

  it("refuses auto-merge for a pull request that could merge now; enqueue, unknown mutations and unknown ids are errors", async () => {
    const { fake } = await gitFake();
    const gh = octokit();
    const pr = await createPull(gh);
    fake.resetCounts();
    expect(
      await graphqlErrors(
        gh.graphql(`mutation { enablePullRequestAutoMerge(input: { pullRequestId: "${pr.node_id}", mergeMethod: MERGE }) { clientMutationId } }`),
      ),
    ).toEqual(["Pull request is in clean status"]);
    expect(
      await graphqlErrors(
        gh.graphql(`mutation Q($input: EnqueuePullRequestInput!) { enqueuePullRequest(input: $input) { clientMutationId } }`, {
          input: { pullRequestId: pr.node_id },
        }),
      ),
    ).toEqual(["Pull request could not be enqueued: merge queue not enabled for the base branch"]);
    expect(await graphqlErrors(gh.graphql(`mutation { frobnicate(input: {}) { clientMutationId } }`))).toEqual([
      "Field 'frobnicate' doesn't exist on type 'Mutation'",
    ]);
    expect(
      await graphqlErrors(
        gh.graphql(`mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { clientMutationId } }`, { id: "PR_nope" }),
      ),
    ).toEqual(["Could not resolve to a node with the global id of 'PR_nope'."]);
    fake.setAllowAutoMerge(false);
    fake.protectBranch("main", { requiredApprovals: 1 });
    expect(await graphqlErrors(gh.graphql(`mutation { enablePullRequestAutoMerge(input: { pullRequestId: "${pr.node_id}" }) { clientMutationId } }`))).toEqual([
      "Pull request Auto merge is not allowed for this repository",
    ]);
    expect(fake.counts()).toMatchObject({ writes: 5, redundantWrites: 5 }); // errors change nothing
  });

  it("auto-merge waits for an approval too, and merges as whoever enabled it", async () => {
    const { fake } = await gitFake();
    fake.protectBranch("main", { requiredApprovals: 1 });
    const gh = octokit();
    const pr = await createPull(gh);
    await gh.graphql(`mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: MERGE }) { clientMutationId } }`, {
      id: pr.node_id,
    });
    fake.dropWebhooks();
    fake.approve(pr.number, WRITER);
    expect(fake.pull(pr.number).merged).toBe(true);
    expect(fake.pendingWebhooks.map((w) => `${w.event}.${w.action} ${(w.payload.sender as Payload).login}`)).toEqual([
      `pull_request_review.submitted ${WRITER.login}`,
      `pull_request.closed ${APP_BOT.login}`,
    ]);
  });

  it("auto-merge stays on through a writer's push, and goes off when someone without write access pushes", async () => {
    const { fake } = await gitFake();
    fake.protectBranch("main", { requiredChecks: ["ci"] });
    const gh = octokit();
    const pr = await createPull(gh);
    const enable = () =>
      gh.graphql(`mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: MERGE }) { clientMutationId } }`, {
        id: pr.node_id,
      });
    await enable();
    fake.pushToBranch("feature", { "w.txt": "w\n" }, "Writer's change", WRITER);
    expect(fake.pull(pr.number).autoMerge).not.toBeNull();
    fake.dropWebhooks();
    fake.pushToBranch("feature", { "r.txt": "r\n" }, "Reader's change", READER);
    expect(fake.pull(pr.number).autoMerge).toBeNull();
    expect(hooks(fake)).toEqual(["pull_request.synchronize", "pull_request.auto_merge_disabled"]);
    fake.completeChecks("feature", "success");
    expect(fake.pull(pr.number).merged).toBe(false);
  });
});

describe("FakeGitHub pull requests: without a bare repository, and faults", () => {
  it("works with made-up shas when cloneUrl is not a local repository", async () => {
    const fake = new FakeGitHub();
    const gh = octokit();
    const pr = await createPull(gh);
    expect(pr.head.sha).toMatch(/^[0-9a-f]{40}$/);
    const pushed = fake.pushToBranch("feature", { "x.txt": "x" }, "x");
    expect(fake.pull(pr.number).head.sha).toBe(pushed);
    const { data } = await gh.rest.pulls.merge({ owner, repo, pull_number: pr.number, sha: pushed });
    expect(fake.branchSha("main")).toBe(data.sha);
    expect(() => fake.fileAt("main", "x.txt")).toThrow(/no bare repository/);
  });

  it("closes a milestone through PATCH (what the app does when an initiative lands); an unchanged patch is redundant", async () => {
    const fake = new FakeGitHub();
    const m = fake.createMilestone({ title: "Checkout" });
    fake.dropWebhooks();
    const gh = octokit();
    const { data } = await gh.rest.issues.updateMilestone({ owner, repo, milestone_number: m, state: "closed" });
    expect(data).toMatchObject({ number: m, state: "closed", closed_at: expect.any(String) });
    await gh.rest.issues.updateMilestone({ owner, repo, milestone_number: m, state: "closed" });
    expect(fake.counts()).toMatchObject({ writes: 2, redundantWrites: 1 });
    expect(fake.pendingWebhooks.map((w) => `${w.event}.${w.action} ${w.fromApp}`)).toEqual(["milestone.closed true"]);
  });

  it("injects faults on the new routes like on the others", async () => {
    const { fake, feature } = await gitFake();
    const gh = octokit();
    const pr = await createPull(gh);
    fake.failNext(MERGE, { status: 502 });
    expect((await failure(gh.rest.pulls.merge({ owner, repo, pull_number: pr.number, sha: feature }))).status).toBe(502);
    expect(fake.pull(pr.number).merged).toBe(false);
    await gh.rest.pulls.merge({ owner, repo, pull_number: pr.number, sha: feature });
    expect(fake.requests.filter((r) => r.route === MERGE).map((r) => [r.status, r.injected])).toEqual([
      [502, true],
      [200, false],
    ]);
  });
});
