import { describe, expect, it } from "vitest";
import { createPermissionChecker, politeRefusal } from "../../../src/github/permissions.js";
import { AppOctokitClass, type AppOctokit } from "../../../src/github/octokit.js";
import { checkRequestAgainstSpec } from "../../support/openapi-check.js";
import { github, recordedRequests, useStrictNock } from "../../support/strict-nock.js";

useStrictNock();

const octokit = (): AppOctokit => new AppOctokitClass({ auth: "token x" });
const PATH = (login: string, repo = "hello") => `/repos/octo/${repo}/collaborators/${login}/permission`;

/** GitHub's answer: the legacy `permission` (maintain → write, triage → read) and the role. */
function answer(login: string, permission: string, roleName: string, repo = "hello") {
  github()
    .get(PATH(login, repo))
    .reply(200, { permission, role_name: roleName, user: { login, id: 1, type: "User" } });
}

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe("createPermissionChecker: who may start work", () => {
  it.each([
    ["admin", "admin"],
    ["write", "maintain"],
    ["write", "write"],
  ])("allows permission %s with role %s", async (permission, role) => {
    answer("alice", permission, role);
    const decision = await createPermissionChecker().check(octokit(), { owner: "octo", repo: "hello", login: "alice" });
    expect(decision).toEqual({ allowed: true, permission: role });
  });

  it.each([
    ["read", "triage"],
    ["read", "read"],
    ["none", "none"],
  ])("refuses permission %s with role %s", async (permission, role) => {
    answer("bob", permission, role);
    const decision = await createPermissionChecker().check(octokit(), { owner: "octo", repo: "hello", login: "bob" });
    expect(decision).toEqual({ allowed: false, permission: role, reason: `${role} access; write access is needed` });
  });

  it("counts a custom role as its base permission", async () => {
    answer("carol", "write", "security-engineer");
    answer("dave", "read", "docs-reviewer");
    const checker = createPermissionChecker();
    expect(await checker.check(octokit(), { owner: "octo", repo: "hello", login: "carol" })).toEqual({ allowed: true, permission: "write" });
    expect(await checker.check(octokit(), { owner: "octo", repo: "hello", login: "dave" })).toMatchObject({ allowed: false, permission: "read" });
  });

  it("falls back to the legacy permission when there is no role name", async () => {
    github()
      .get(PATH("erin"))
      .reply(200, { permission: "admin", user: { login: "erin" } });
    expect(await createPermissionChecker().check(octokit(), { owner: "octo", repo: "hello", login: "erin" })).toEqual({
      allowed: true,
      permission: "admin",
    });
  });

  it("refuses an answer it does not recognise", async () => {
    answer("frank", "superuser", "overlord");
    expect(await createPermissionChecker().check(octokit(), { owner: "octo", repo: "hello", login: "frank" })).toEqual({
      allowed: false,
      permission: "unknown",
      reason: 'unrecognised permission "superuser"',
    });
  });

  it("refuses someone who is not a collaborator (404)", async () => {
    github().get(PATH("mallory")).reply(404, { message: "Not Found" });
    expect(await createPermissionChecker().check(octokit(), { owner: "octo", repo: "hello", login: "mallory" })).toEqual({
      allowed: false,
      permission: "none",
      reason: "not a collaborator on this repository",
    });
  });

  it("asks GitHub's documented endpoint", async () => {
    answer("alice", "admin", "admin");
    await createPermissionChecker().check(octokit(), { owner: "octo", repo: "hello", login: "alice" });
    expect(recordedRequests()).toEqual([{ method: "GET", path: PATH("alice"), body: undefined }]);
    expect(recordedRequests().flatMap((r) => checkRequestAgainstSpec(r))).toEqual([]);
  });
});

describe("createPermissionChecker: bots", () => {
  // No mock is set up: a request would fail the test (strict nock).
  it.each<[{ login: string; userType?: string }, string]>([
    [{ login: "renovate[bot]" }, "a [bot] login"],
    [{ login: "RENOVATE[BOT]" }, "a [bot] login in capitals"],
    [{ login: "some-app", userType: "Bot" }, "a Bot sender"],
  ])("refuses %j without asking GitHub (%s)", async (who) => {
    expect(await createPermissionChecker().check(octokit(), { owner: "octo", repo: "hello", ...who })).toEqual({
      allowed: false,
      permission: "none",
      reason: "bots cannot start work",
    });
  });
});

describe("createPermissionChecker: failures", () => {
  it("fails closed on a server error, says so, and asks again next time", async () => {
    github().get(PATH("alice")).reply(502, { message: "Bad Gateway" });
    answer("alice", "write", "write");
    const checker = createPermissionChecker();
    const first = await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" });
    expect(first).toMatchObject({ allowed: false, permission: "unknown" });
    expect(first.reason).toMatch(/could not be checked/);
    expect(first.reason).toContain("Bad Gateway");
    expect(await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" })).toEqual({ allowed: true, permission: "write" });
  });

  it("fails closed when rate-limited", async () => {
    github().get(PATH("alice")).reply(403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999999999" });
    const decision = await createPermissionChecker().check(octokit(), { owner: "octo", repo: "hello", login: "alice" });
    expect(decision).toMatchObject({ allowed: false, permission: "unknown", reason: expect.stringMatching(/could not be checked \(rate-limited/) });
  });

  it("fails closed when GitHub cannot be reached", async () => {
    github().get(PATH("alice")).replyWithError("socket hang up");
    const decision = await createPermissionChecker().check(octokit(), { owner: "octo", repo: "hello", login: "alice" });
    expect(decision).toMatchObject({ allowed: false, permission: "unknown", reason: expect.stringMatching(/could not be checked/) });
  });
});

describe("createPermissionChecker: remembering", () => {
  it("asks once per person and repository, case-insensitively, within the TTL", async () => {
    answer("alice", "write", "write");
    const t = clock();
    const checker = createPermissionChecker({ ttlMs: 60_000, now: t.now });
    await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" });
    t.advance(59_999);
    const again = await checker.check(octokit(), { owner: "Octo", repo: "HELLO", login: "Alice" });
    expect(again).toEqual({ allowed: true, permission: "write" });
    expect(recordedRequests()).toHaveLength(1);
  });

  it("asks again once the TTL has passed, and sees a changed answer", async () => {
    answer("alice", "write", "write");
    answer("alice", "read", "read");
    const t = clock();
    const checker = createPermissionChecker({ ttlMs: 60_000, now: t.now });
    expect((await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" })).allowed).toBe(true);
    t.advance(60_000);
    expect((await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" })).allowed).toBe(false);
  });

  it("defaults to a 60 s TTL", async () => {
    answer("alice", "write", "write");
    answer("alice", "write", "write");
    const t = clock();
    const checker = createPermissionChecker({ now: t.now });
    await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" });
    t.advance(59_000);
    await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" });
    expect(recordedRequests()).toHaveLength(1);
    t.advance(1_000);
    await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" });
    expect(recordedRequests()).toHaveLength(2);
  });

  it("remembers a 404 too", async () => {
    github().get(PATH("mallory")).reply(404, { message: "Not Found" });
    const checker = createPermissionChecker();
    await checker.check(octokit(), { owner: "octo", repo: "hello", login: "mallory" });
    expect(await checker.check(octokit(), { owner: "octo", repo: "hello", login: "mallory" })).toMatchObject({ permission: "none" });
    expect(recordedRequests()).toHaveLength(1);
  });

  it("keeps repositories apart", async () => {
    answer("alice", "write", "write", "hello");
    answer("alice", "read", "read", "other");
    const checker = createPermissionChecker();
    expect((await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" })).allowed).toBe(true);
    expect((await checker.check(octokit(), { owner: "octo", repo: "other", login: "alice" })).allowed).toBe(false);
  });

  it("never remembers with a TTL of 0", async () => {
    answer("alice", "write", "write");
    answer("alice", "write", "write");
    const checker = createPermissionChecker({ ttlMs: 0 });
    await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" });
    await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" });
    expect(recordedRequests()).toHaveLength(2);
  });

  it("shares one request between concurrent checks", async () => {
    answer("alice", "write", "write");
    const checker = createPermissionChecker();
    const decisions = await Promise.all([
      checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" }),
      checker.check(octokit(), { owner: "octo", repo: "hello", login: "ALICE" }),
    ]);
    expect(decisions).toEqual([
      { allowed: true, permission: "write" },
      { allowed: true, permission: "write" },
    ]);
    expect(recordedRequests()).toHaveLength(1);
  });

  it("forgets one person", async () => {
    answer("alice", "write", "write");
    answer("bob", "write", "write");
    answer("alice", "read", "read");
    const checker = createPermissionChecker();
    await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" });
    await checker.check(octokit(), { owner: "octo", repo: "hello", login: "bob" });
    checker.forget("OCTO", "hello", "Alice");
    expect((await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" })).permission).toBe("read");
    expect((await checker.check(octokit(), { owner: "octo", repo: "hello", login: "bob" })).permission).toBe("write");
    expect(recordedRequests()).toHaveLength(3);
  });

  it("forgets everyone on one repository and only there", async () => {
    answer("alice", "write", "write");
    answer("bob", "write", "write");
    answer("alice", "write", "write", "other");
    answer("alice", "read", "read");
    answer("bob", "read", "read");
    const checker = createPermissionChecker();
    for (const [login, repo] of [
      ["alice", "hello"],
      ["bob", "hello"],
      ["alice", "other"],
    ] as const) {
      await checker.check(octokit(), { owner: "octo", repo, login });
    }
    checker.forget("octo", "Hello");
    expect((await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" })).permission).toBe("read");
    expect((await checker.check(octokit(), { owner: "octo", repo: "hello", login: "bob" })).permission).toBe("read");
    expect((await checker.check(octokit(), { owner: "octo", repo: "other", login: "alice" })).permission).toBe("write");
    expect(recordedRequests()).toHaveLength(5);
  });

  it("does not remember an answer that was in flight when forgotten", async () => {
    answer("alice", "write", "write");
    answer("alice", "read", "read");
    const checker = createPermissionChecker();
    const inFlight = checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" });
    checker.forget("octo", "hello", "alice");
    expect((await inFlight).permission).toBe("write");
    expect((await checker.check(octokit(), { owner: "octo", repo: "hello", login: "alice" })).permission).toBe("read");
  });
});

describe("politeRefusal", () => {
  it("thanks the person, says who may, and what to do instead", () => {
    expect(politeRefusal("octocat", "start work")).toBe(
      "@octocat thanks — only people with write access to this repository can start work with Codewalkers. " +
        "Ask a maintainer to add the label or run the command.",
    );
  });

  it("fits any action into the sentence", () => {
    expect(politeRefusal("octocat", "run `/cw stop`")).toContain("can run `/cw stop` with Codewalkers.");
  });
});
