import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { AppOctokitClass, type AppOctokit } from "../../src/github/octokit.js";
import { signBody } from "../../src/intake/verify-signature.js";
import { FakeGitHub, APP_BOT } from "../support/fake-github/index.js";
import { TEST_APP_ID, TEST_WEBHOOK_SECRET } from "../support/github-app.js";
import { READER, WRITER } from "../support/payloads.js";
import { github, useStrictNock } from "../support/strict-nock.js";

useStrictNock();

const owner = "Codertocat";
const repo = "Hello-World";
const LABELS = "POST /repos/{owner}/{repo}/issues/{issue_number}/labels";

function octokit(): AppOctokit {
  return new AppOctokitClass({ auth: "x" }) as AppOctokit;
}

async function status(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

type Payload = Record<string, any>;

describe("FakeGitHub: REST endpoints", () => {
  it("serves the repository and the installation's repositories; token exchange and app metadata are not counted", async () => {
    const fake = new FakeGitHub({ repositories: [{ defaultBranch: "trunk", cloneUrl: "/tmp/remote.git" }] });
    const gh = octokit();
    const { data } = await gh.rest.repos.get({ owner, repo });
    expect(data).toMatchObject({ id: 186853002, full_name: "Codertocat/Hello-World", default_branch: "trunk", clone_url: "/tmp/remote.git" });
    const repos = await gh.paginate(gh.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
    expect(repos.map((r) => r.full_name)).toEqual(["Codertocat/Hello-World"]);
    const token = await gh.request("POST /app/installations/{installation_id}/access_tokens", { installation_id: 957387 });
    expect(token.status).toBe(201);
    expect((await gh.request("GET /app")).data).toMatchObject({ id: TEST_APP_ID, slug: "codewalkers" });

    expect(fake.counts()).toEqual({
      reads: 2,
      writes: 0,
      redundantWrites: 0,
      byRoute: { "GET /repos/{owner}/{repo}": 1, "GET /installation/repositories": 1 },
    });
    expect(fake.requests.map((r) => r.kind)).toEqual(["read", "read", "auth", "auth"]);
  });

  it("creates labels, answers 422 already_exists for a label that exists, and counts that as redundant", async () => {
    const fake = new FakeGitHub({ repositories: [{ labels: ["bug", { name: "cw:ready", color: "000000" }] }] });
    const gh = octokit();
    const created = await gh.rest.issues.createLabel({ owner, repo, name: "cw:run", color: "6f42c1", description: "run it" });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ name: "cw:run", color: "6f42c1", description: "run it" });
    const error = await gh.rest.issues.createLabel({ owner, repo, name: "CW:READY", color: "0e8a16" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 422, response: { data: { errors: [{ code: "already_exists" }] } } });

    const labels = await gh.paginate(gh.rest.issues.listLabelsForRepo, { owner, repo, per_page: 100 });
    expect(labels.map((l) => l.name)).toEqual(["bug", "cw:ready", "cw:run"]);
    expect(fake.labels().find((l) => l.name === "cw:ready")?.color).toBe("000000");
    expect(fake.counts()).toMatchObject({ reads: 1, writes: 2, redundantWrites: 1 });
    expect(fake.requests[1]).toMatchObject({
      route: "POST /repos/{owner}/{repo}/labels",
      status: 422,
      redundant: true,
      body: { name: "CW:READY", color: "0e8a16" },
    });
  });

  it("paginates lists with GitHub's Link header", async () => {
    new FakeGitHub({ repositories: [{ labels: ["a", "b", "c", "d", "e"] }] });
    const gh = octokit();
    const first = await gh.rest.issues.listLabelsForRepo({ owner, repo, per_page: 2 });
    expect(first.data.map((l) => l.name)).toEqual(["a", "b"]);
    expect(first.headers.link).toContain('rel="next"');
    const all = await gh.paginate(gh.rest.issues.listLabelsForRepo, { owner, repo, per_page: 2 });
    expect(all.map((l) => l.name)).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("gets, lists and filters issues; a missing issue is 404, a deleted one 410", async () => {
    const fake = new FakeGitHub();
    const m = fake.createMilestone({ title: "v1" });
    const one = fake.openIssue({ title: "one", body: "first", labels: ["cw:run", "bug"], milestone: m });
    const two = fake.openIssue({ title: "two", labels: ["bug"] });
    const three = fake.openIssue({ title: "three" });
    fake.closeIssue(three, WRITER, "not_planned");
    const gh = octokit();

    const { data } = await gh.rest.issues.get({ owner, repo, issue_number: one });
    expect(data).toMatchObject({
      number: 1,
      id: 9_000_001,
      title: "one",
      body: "first",
      state: "open",
      labels: [{ name: "cw:run" }, { name: "bug" }],
      milestone: { number: m, title: "v1" },
      user: { login: WRITER.login },
      performed_via_github_app: null,
      issue_dependencies_summary: { blocked_by: 0, total_blocked_by: 0, blocking: 0, total_blocking: 0 },
    });
    const list = (query: Record<string, string | number>) =>
      gh.paginate(gh.rest.issues.listForRepo, { owner, repo, per_page: 100, ...query }).then((r) => r.map((i) => i.number));
    expect(await list({})).toEqual([two, one]);
    expect(await list({ state: "all" })).toEqual([three, two, one]);
    expect(await list({ state: "closed" })).toEqual([three]);
    expect(await list({ state: "all", labels: "bug,cw:run" })).toEqual([one]);
    expect(await list({ state: "all", milestone: String(m) })).toEqual([one]);
    expect(await list({ state: "all", milestone: "none" })).toEqual([three, two]);
    expect(fake.issue(three)).toMatchObject({ state: "closed", stateReason: "not_planned" });

    expect(await status(gh.rest.issues.get({ owner, repo, issue_number: 99 }))).toBe(404);
    fake.deleteIssue(two);
    expect(await status(gh.rest.issues.get({ owner, repo, issue_number: two }))).toBe(410);
  });

  it("adds, removes and replaces an issue's labels, answering with the labels it has", async () => {
    const fake = new FakeGitHub({ repositories: [{ labels: ["cw:ready", "cw:in-progress"] }] });
    const n = fake.openIssue({ title: "t", labels: ["cw:run"] });
    fake.dropWebhooks();
    const gh = octokit();

    const added = await gh.rest.issues.addLabels({ owner, repo, issue_number: n, labels: ["cw:ready"] });
    expect(added.data.map((l) => l.name)).toEqual(["cw:run", "cw:ready"]);
    await gh.rest.issues.addLabels({ owner, repo, issue_number: n, labels: ["cw:ready"] }); // already there
    const removed = await gh.rest.issues.removeLabel({ owner, repo, issue_number: n, name: "cw:ready" });
    expect(removed.data.map((l) => l.name)).toEqual(["cw:run"]);
    const absent = await gh.rest.issues.removeLabel({ owner, repo, issue_number: n, name: "cw:ready" }).catch((e: unknown) => e);
    expect(absent).toMatchObject({ status: 404, response: { data: { message: "Label does not exist" } } });
    const replaced = await gh.rest.issues.setLabels({ owner, repo, issue_number: n, labels: ["cw:in-progress"] });
    expect(replaced.data.map((l) => l.name)).toEqual(["cw:in-progress"]);
    expect(fake.labelsOf(n)).toEqual(["cw:in-progress"]);

    expect(fake.counts()).toMatchObject({ reads: 0, writes: 5, redundantWrites: 2 });
    expect(fake.requests.filter((r) => r.redundant).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "POST /repos/Codertocat/Hello-World/issues/1/labels 200",
      "DELETE /repos/Codertocat/Hello-World/issues/1/labels/cw%3Aready 404",
    ]);
    // The app's writes are echoed as webhooks sent by its bot.
    expect(fake.pendingWebhooks.map((w) => `${w.event}.${w.action} ${(w.payload.label as Payload).name} ${w.fromApp}`)).toEqual([
      "issues.labeled cw:ready true",
      "issues.unlabeled cw:ready true",
      "issues.unlabeled cw:run true",
      "issues.labeled cw:in-progress true",
    ]);
    expect(fake.pendingWebhooks[0]!.payload.sender).toMatchObject({ login: "codewalkers[bot]", type: "Bot" });
  });

  it("patches an issue: closing sends issues.closed, an unchanged patch is redundant", async () => {
    const fake = new FakeGitHub();
    const n = fake.openIssue({ title: "t" });
    fake.dropWebhooks();
    const gh = octokit();

    const closed = await gh.rest.issues.update({ owner, repo, issue_number: n, state: "closed", state_reason: "completed" });
    expect(closed.data).toMatchObject({ state: "closed", state_reason: "completed", closed_by: { login: APP_BOT.login } });
    await gh.rest.issues.update({ owner, repo, issue_number: n, state: "closed" });
    await gh.rest.issues.update({ owner, repo, issue_number: n, title: "renamed", body: "new body" });
    expect(fake.counts()).toMatchObject({ writes: 3, redundantWrites: 1 });
    expect(fake.pendingWebhooks.map((w) => `${w.event}.${w.action}`)).toEqual(["issues.closed", "issues.edited"]);
    expect(fake.pendingWebhooks[1]!.payload.changes).toEqual({ title: { from: "t" }, body: { from: "" } });
  });

  it("adds assignees, keeping those there, dropping who cannot be assigned; adding them again is redundant", async () => {
    const fake = new FakeGitHub();
    const n = fake.openIssue({ title: "t", assignees: [WRITER.login] });
    fake.setPermission("octo-triager", "triage");
    fake.dropWebhooks();
    const gh = octokit();

    const added = await gh.rest.issues.addAssignees({ owner, repo, issue_number: n, assignees: ["octo-triager", READER.login, "stranger"] });
    expect(added.status).toBe(201);
    expect(added.data.assignees?.map((u) => u.login)).toEqual([WRITER.login, "octo-triager"]);
    expect(fake.pendingWebhooks.map((w) => `${w.event}.${w.action} ${(w.payload.assignee as Payload).login}`)).toEqual(["issues.assigned octo-triager"]);
    const again = await gh.rest.issues.addAssignees({ owner, repo, issue_number: n, assignees: [WRITER.login] });
    expect(again.status).toBe(201);
    expect(fake.issue(n).assignees.map((u) => u.login)).toEqual([WRITER.login, "octo-triager"]);
    expect(fake.counts()).toMatchObject({ writes: 2, redundantWrites: 1 });
  });

  it("keeps comments: the app's carry performed_via_github_app; a deleted one answers 404 to a PATCH", async () => {
    const fake = new FakeGitHub();
    const n = fake.openIssue({ title: "t" });
    const theirs = fake.comment(n, "/cw approve", WRITER);
    fake.dropWebhooks();
    const gh = octokit();

    const { data: mine } = await gh.rest.issues.createComment({ owner, repo, issue_number: n, body: "<!-- cw:reply -->\nhello" });
    expect(mine).toMatchObject({
      body: "<!-- cw:reply -->\nhello",
      user: { login: "codewalkers[bot]", type: "Bot" },
      performed_via_github_app: { id: TEST_APP_ID, slug: "codewalkers" },
    });
    const listed = await gh.paginate(gh.rest.issues.listComments, { owner, repo, issue_number: n, per_page: 100 });
    expect(listed.map((c) => [c.id, c.performed_via_github_app?.slug ?? null])).toEqual([
      [theirs, null],
      [mine.id, "codewalkers"],
    ]);
    await gh.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body: "<!-- cw:reply -->\nhello" }); // same body
    await gh.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body: "<!-- cw:reply -->\nbye" });
    fake.deleteComment(mine.id, WRITER); // a person deletes the app's comment
    expect(await status(gh.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body: "again" }))).toBe(404);
    await gh.rest.issues.deleteComment({ owner, repo, comment_id: theirs });

    expect(fake.commentsOn(n)).toEqual([]);
    expect(fake.counts()).toMatchObject({ reads: 1, writes: 5, redundantWrites: 2 });
    const hooks = fake.pendingWebhooks;
    expect(hooks.map((w) => `${w.event}.${w.action} ${w.fromApp}`)).toEqual([
      "issue_comment.created true",
      "issue_comment.edited true",
      "issue_comment.deleted false",
      "issue_comment.deleted true",
    ]);
    expect(hooks[0]!.payload.comment).toMatchObject({ performed_via_github_app: { id: TEST_APP_ID, slug: "codewalkers" } });
    expect(hooks[1]!.payload.changes).toEqual({ body: { from: "<!-- cw:reply -->\nhello" } });
  });

  it("answers collaborator permissions, 404 for a stranger", async () => {
    const fake = new FakeGitHub();
    fake.setPermission("maintainer", "maintain");
    const gh = octokit();
    const permission = (username: string) =>
      gh.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username }).then((r) => [r.data.permission, r.data.role_name]);
    expect(await permission(WRITER.login)).toEqual(["write", "write"]);
    expect(await permission(READER.login)).toEqual(["read", "read"]);
    expect(await permission("maintainer")).toEqual(["write", "maintain"]);
    expect(await status(permission("stranger"))).toBe(404);
    fake.setPermission(WRITER.login, "triage");
    expect(await permission(WRITER.login)).toEqual(["read", "triage"]);
  });

  it("serves config files raw through Probot's config loader, 404 in the repository and the owner's .github", async () => {
    const fake = new FakeGitHub({ ownerConfigFiles: { ".github/codewalkers.yml": "triggerLabel: org-go\n" } });
    const gh = octokit();
    const read = () => gh.config.get({ owner, repo, path: ".github/codewalkers.yml" });

    expect((await read()).config).toEqual({ triggerLabel: "org-go" }); // from Codertocat/.github
    fake.setFile(".github/codewalkers.yml", "triggerLabel: go\n");
    expect((await read()).config).toEqual({ triggerLabel: "go" });
    fake.ownerConfigFiles.clear();
    fake.setFile(".github/codewalkers.yml", null);
    expect((await read()).config).toEqual({});
    expect(fake.requests.map((r) => `${r.path} ${r.status}`)).toEqual([
      "/repos/Codertocat/Hello-World/contents/.github%2Fcodewalkers.yml 404",
      "/repos/Codertocat/.github/contents/.github%2Fcodewalkers.yml 200",
      "/repos/Codertocat/Hello-World/contents/.github%2Fcodewalkers.yml 200",
      "/repos/Codertocat/Hello-World/contents/.github%2Fcodewalkers.yml 404",
      "/repos/Codertocat/.github/contents/.github%2Fcodewalkers.yml 404",
    ]);
    fake.setFile("README.md", "# hi\n");
    const { data } = await gh.rest.repos.getContent({ owner, repo, path: "README.md" });
    expect(Buffer.from((data as { content: string }).content, "base64").toString()).toBe("# hi\n");
  });

  it("lists milestones by state", async () => {
    const fake = new FakeGitHub();
    const a = fake.createMilestone({ title: "a" });
    const b = fake.createMilestone({ title: "b", description: "phases: 2" });
    fake.closeMilestone(a);
    const gh = octokit();
    const titles = (state: "open" | "closed" | "all") =>
      gh.paginate(gh.rest.issues.listMilestones, { owner, repo, state, per_page: 100 }).then((r) => r.map((m) => m.title));
    expect(await titles("open")).toEqual(["b"]);
    expect(await titles("closed")).toEqual(["a"]);
    expect(await titles("all")).toEqual(["a", "b"]);
    expect(fake.milestone(b).description).toBe("phases: 2");
  });

  it("links sub-issues and dependencies, and lists events with their actor", async () => {
    const fake = new FakeGitHub();
    const parent = fake.openIssue({ title: "phase", labels: ["cw:phase"] });
    const child = fake.openIssue({ title: "task" });
    const blocker = fake.openIssue({ title: "blocker" });
    fake.dropWebhooks();
    const gh = octokit();

    await gh.rest.issues.addSubIssue({ owner, repo, issue_number: parent, sub_issue_id: fake.issue(child).id });
    const children = await gh.paginate(gh.rest.issues.listSubIssues, { owner, repo, issue_number: parent, per_page: 100 });
    expect(children.map((c) => c.number)).toEqual([child]);
    await gh.request("POST /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by", {
      owner,
      repo,
      issue_number: child,
      issue_id: fake.issue(blocker).id,
    });
    const blockers = await gh.paginate(gh.rest.issues.listDependenciesBlockedBy, { owner, repo, issue_number: child, per_page: 100 });
    expect(blockers.map((b) => b.number)).toEqual([blocker]);
    expect((await gh.rest.issues.get({ owner, repo, issue_number: child })).data).toMatchObject({
      issue_dependencies_summary: { blocked_by: 1, total_blocked_by: 1 },
    });
    fake.closeIssue(blocker);
    expect(fake.issueObject(child)).toMatchObject({ issue_dependencies_summary: { blocked_by: 0, total_blocked_by: 1 } });
    expect(fake.issueObject(parent)).toMatchObject({ sub_issues_summary: { total: 1, completed: 0 } });

    fake.addLabels(child, ["cw:run"], WRITER);
    await gh.rest.issues.addLabels({ owner, repo, issue_number: child, labels: ["cw:ready"] });
    const events = await gh.paginate(gh.rest.issues.listEvents, { owner, repo, issue_number: child, per_page: 100 });
    expect(events.map((e) => [e.event, (e as { label?: { name: string } }).label?.name, e.actor?.login])).toEqual([
      ["labeled", "cw:run", WRITER.login],
      ["labeled", "cw:ready", "codewalkers[bot]"],
    ]);

    const hooks = fake.pendingWebhooks.map((w) => `${w.event}.${w.action}`);
    expect(hooks).toEqual([
      "sub_issues.sub_issue_added",
      "sub_issues.parent_issue_added",
      "issue_dependencies.blocked_by_added",
      "issue_dependencies.blocking_added",
      "issues.closed",
      "issues.labeled",
      "issues.labeled",
    ]);
    const added = fake.pendingWebhooks[2]!.payload;
    expect(added).toMatchObject({
      blocked_issue: { number: child, issue_dependencies_summary: { blocked_by: 1, total_blocked_by: 1 } },
      blocking_issue: { number: blocker },
      blocking_issue_repo: { full_name: "Codertocat/Hello-World" },
      sender: { login: "codewalkers[bot]" },
    });
  });

  it("follows a transferred issue to its new repository with a 301", async () => {
    const fake = new FakeGitHub({ repositories: [{}, { name: "Other" }] });
    const n = fake.openIssue({ title: "moving" });
    const to = fake.transferIssue(n, "Codertocat/Other");
    expect(to).toEqual({ fullName: "Codertocat/Other", number: 1 });
    const { data } = await octokit().rest.issues.get({ owner, repo, issue_number: n });
    expect(data).toMatchObject({ title: "moving", repository_url: "https://api.github.com/repos/Codertocat/Other" });
    expect(fake.in("Codertocat/Other").issue(1).title).toBe("moving");
    expect(fake.pendingWebhooks.map((w) => `${w.event}.${w.action} ${(w.payload.repository as Payload).full_name}`)).toEqual([
      "issues.opened Codertocat/Hello-World",
      "issues.transferred Codertocat/Hello-World",
      "issues.opened Codertocat/Other",
    ]);
  });
});

describe("FakeGitHub: faults", () => {
  it("answers the next requests of a route with the injected error, counted but not applied", async () => {
    const fake = new FakeGitHub();
    const n = fake.openIssue({ title: "t" });
    fake.dropWebhooks();
    fake.failNext(LABELS, { status: 500, times: 2 });
    const gh = octokit();
    const add = () => gh.rest.issues.addLabels({ owner, repo, issue_number: n, labels: ["cw:ready"] });
    expect(await status(add())).toBe(500);
    expect(await status(add())).toBe(500);
    expect(fake.labelsOf(n)).toEqual([]);
    await add();
    expect(fake.labelsOf(n)).toEqual(["cw:ready"]);

    fake.failNext("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
      status: 403,
      headers: { "retry-after": "30" },
      body: { message: "You have exceeded a secondary rate limit" },
    });
    const error = await gh.rest.issues.updateComment({ owner, repo, comment_id: 1, body: "x" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 403, response: { headers: { "retry-after": "30" } } });

    expect(fake.counts()).toMatchObject({ writes: 4, redundantWrites: 0 });
    expect(fake.requests.map((r) => r.injected)).toEqual([true, true, false, true]);
    expect(fake.pendingWebhooks.map((w) => w.action)).toEqual(["labeled"]);
    expect(() => fake.failNext("POST /nowhere", { status: 500 })).toThrow(/no route/);
  });
});

describe("FakeGitHub: counts", () => {
  it("counts reads, writes and redundant writes by route, and starts again on reset", async () => {
    const fake = new FakeGitHub({ repositories: [{ labels: ["cw:ready"] }] });
    const n = fake.openIssue({ title: "t", labels: ["cw:ready"] });
    const gh = octokit();
    await gh.rest.issues.get({ owner, repo, issue_number: n });
    await gh.rest.issues.addLabels({ owner, repo, issue_number: n, labels: ["cw:ready"] });
    await gh.rest.issues.createLabel({ owner, repo, name: "cw:ready", color: "ffffff" }).catch(() => undefined);
    expect(fake.counts()).toEqual({
      reads: 1,
      writes: 2,
      redundantWrites: 2,
      byRoute: {
        "GET /repos/{owner}/{repo}/issues/{issue_number}": 1,
        [LABELS]: 1,
        "POST /repos/{owner}/{repo}/labels": 1,
      },
    });
    fake.resetCounts();
    expect(fake.counts()).toEqual({ reads: 0, writes: 0, redundantWrites: 0, byRoute: {} });
  });
});

describe("FakeGitHub: people's actions queue GitHub's webhooks", () => {
  it("opening an issue with labels and a milestone sends opened, then labeled per label, then milestoned", () => {
    const fake = new FakeGitHub();
    const m = fake.createMilestone({ title: "Initiative", description: "d" });
    fake.editMilestone(m, { title: "Initiative 2" });
    const n = fake.openIssue({ title: "t", body: "b", labels: ["cw:run", "bug"], milestone: m }, WRITER);
    fake.addLabels(n, ["bug", "cw:plan"], READER); // bug is already there: one event
    fake.removeLabel(n, "cw:plan", READER);
    fake.setMilestone(n, null);
    fake.editIssue(n, { body: "edited" });
    fake.comment(n, "/cw stop", READER);
    fake.closeIssue(n, WRITER, "not_planned");
    fake.reopenIssue(n);
    fake.closeMilestone(m);
    fake.deleteMilestone(m);

    const hooks = fake.pendingWebhooks;
    expect(hooks.map((w) => `${w.event}.${w.action}`)).toEqual([
      "milestone.created",
      "milestone.edited",
      "issues.opened",
      "issues.labeled",
      "issues.labeled",
      "issues.milestoned",
      "issues.labeled",
      "issues.unlabeled",
      "issues.demilestoned",
      "issues.edited",
      "issue_comment.created",
      "issues.closed",
      "issues.reopened",
      "milestone.closed",
      "milestone.deleted",
    ]);
    expect(hooks.every((w) => !w.fromApp)).toBe(true);
    const opened = hooks[2]!.payload;
    expect(opened).toMatchObject({
      action: "opened",
      issue: { number: n, id: 9_000_001, labels: [{ name: "cw:run" }, { name: "bug" }], milestone: { number: m, title: "Initiative 2" } },
      repository: { id: 186853002, full_name: "Codertocat/Hello-World", clone_url: "https://github.com/Codertocat/Hello-World.git", default_branch: "main" },
      sender: { login: WRITER.login, id: WRITER.id, type: "User" },
      installation: { id: 957387, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uOTU3Mzg3" },
    });
    expect(hooks[3]!.payload.label).toMatchObject({ name: "cw:run" });
    expect(hooks[6]!.payload).toMatchObject({ label: { name: "cw:plan" }, sender: { login: READER.login } });
    expect(hooks[1]!.payload.changes).toEqual({ title: { from: "Initiative" } });
    expect(hooks[11]!.payload.issue).toMatchObject({ state: "closed", state_reason: "not_planned" });
    expect(hooks[10]!.payload.comment).toMatchObject({ body: "/cw stop", performed_via_github_app: null, user: { login: READER.login } });
    expect(fake.issue(n).milestone).toBeNull();
  });

  it("drops webhooks (missed deliveries) and queues installation.created on install", () => {
    const fake = new FakeGitHub();
    fake.openIssue({ title: "t" });
    expect(fake.dropWebhooks().map((w) => w.action)).toEqual(["opened"]);
    expect(fake.pendingWebhooks).toEqual([]);
    fake.install();
    expect(fake.pendingWebhooks[0]).toMatchObject({
      event: "installation",
      action: "created",
      fromApp: false,
      payload: {
        installation: { id: 957387, app_id: TEST_APP_ID, account: { login: "Codertocat" } },
        repositories: [{ id: 186853002, full_name: "Codertocat/Hello-World" }],
      },
    });
  });

  it("delivers the queue in order, signed, with or without the app's echoes", async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(202, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const fake = new FakeGitHub();
      const n = fake.openIssue({ title: "t" });
      await octokit().rest.issues.createComment({ owner, repo, issue_number: n, body: "echo" });
      fake.comment(n, "/cw approve");
      const queued = fake.pendingWebhooks.map((w) => w.deliveryId);

      const results = await fake.deliver(port, { includeAppEcho: false });
      expect(results.map((r) => `${r.event}.${r.action} ${r.status}`)).toEqual(["issues.opened 202", "issue_comment.created 202"]);
      expect(received.map((r) => r.headers["x-github-delivery"])).toEqual([queued[0], queued[2]]);
      for (const r of received) {
        expect(r.headers["x-hub-signature-256"]).toBe(signBody(TEST_WEBHOOK_SECRET, r.body));
      }
      expect(JSON.parse(received[1]!.body)).toMatchObject({ comment: { body: "/cw approve" } });
      expect(fake.pendingWebhooks).toEqual([]);

      await octokit().rest.issues.addLabels({ owner, repo, issue_number: n, labels: ["cw:ready"] });
      expect((await fake.deliver(port)).map((r) => `${r.event}.${r.action} ${r.fromApp}`)).toEqual(["issues.labeled true"]);

      // converge: deliver, settle (here: the "app" writes once), deliver its echo, until quiet.
      fake.addLabels(n, ["cw:run"]);
      let settled = 0;
      const settle = async () => {
        if (settled++ === 0) await octokit().rest.issues.createComment({ owner, repo, issue_number: n, body: "started" });
      };
      const rounds = await fake.converge(port, settle);
      expect(rounds.map((r) => `${r.event}.${r.action} ${r.fromApp}`)).toEqual(["issues.labeled false", "issue_comment.created true"]);
      expect(settled).toBe(2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("FakeGitHub with strict nock", () => {
  it("lets other mocks answer repositories the fake does not hold, and leaves no pending mocks", async () => {
    const fake = new FakeGitHub();
    github().get("/repos/someone/else/issues/3").reply(200, { number: 3, state: "open" });
    const gh = octokit();
    expect((await gh.rest.issues.get({ owner: "someone", repo: "else", issue_number: 3 })).data).toMatchObject({ number: 3 });
    expect(fake.requests).toEqual([]);
    // The fake's interceptors are persisted and optional: never "mocks never used".
    expect(nock.pendingMocks()).toEqual([]);
    fake.dispose();
    expect(nock.activeMocks()).toEqual([]);
  });
});
