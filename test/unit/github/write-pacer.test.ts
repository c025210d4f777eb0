/**
 * The write pacer, on a clock the test moves: sliding windows with a margin under GitHub's 80
 * writes a minute and 500 an hour, and the installation-wide hold a secondary-limit answer sets.
 */
import nock from "nock";
import { describe, expect, it } from "vitest";
import { AppOctokitClass } from "../../../src/github/octokit.js";
import { GITHUB_WRITES_PER_HOUR, GITHUB_WRITES_PER_MINUTE, isWrite, PacedWrite, paceWrites, WritePacer } from "../../../src/github/write-pacer.js";

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** How many writes go at once, before the pacer asks to wait. */
function burst(pacer: WritePacer, installation: number, max = 10_000): number {
  let n = 0;
  while (n < max && pacer.reserve(installation) === 0) n++;
  return n;
}

describe("the write pacer", () => {
  it("keeps a margin under GitHub's 80 writes a minute by default", () => {
    const c = clock();
    const pacer = new WritePacer(undefined, c.now);
    const first = burst(pacer, 1);
    expect(first).toBeLessThan(GITHUB_WRITES_PER_MINUTE);
    expect(first).toBeGreaterThanOrEqual(GITHUB_WRITES_PER_MINUTE * 0.8);
    // Any sliding minute: half a minute later nothing more goes; a minute after the burst, as many again.
    c.advance(30_000);
    expect(pacer.reserve(1)).toBe(30_000);
    c.advance(30_000);
    expect(burst(pacer, 1)).toBe(first);
  });

  it("keeps a margin under GitHub's 500 writes an hour by default", () => {
    const c = clock();
    const pacer = new WritePacer(undefined, c.now);
    let total = 0;
    for (let minute = 0; minute < 60; minute++) {
      total += burst(pacer, 1);
      c.advance(60_000);
      if (total > GITHUB_WRITES_PER_HOUR) break;
    }
    expect(total).toBeLessThan(GITHUB_WRITES_PER_HOUR);
    expect(total).toBeGreaterThanOrEqual(GITHUB_WRITES_PER_HOUR * 0.8);
  });

  it("reset forgets writes", () => {
    const c = clock();
    const pacer = new WritePacer(1, c.now, 100);
    expect(pacer.reserve(1)).toBe(0);
    expect(pacer.reserve(1)).toBeGreaterThan(0);
    pacer.reset();
    expect(pacer.reserve(1)).toBe(0);
  });
});

describe("which requests count as writes", () => {
  it("every REST method but GET and HEAD, and GraphQL mutations but not queries", () => {
    expect(isWrite({ method: "GET", url: "/repos/{owner}/{repo}/issues" })).toBe(false);
    expect(isWrite({ method: "HEAD", url: "/repos/{owner}/{repo}" })).toBe(false);
    expect(isWrite({ method: "POST", url: "/repos/{owner}/{repo}/labels" })).toBe(true);
    expect(isWrite({ method: "PATCH", url: "/repos/{owner}/{repo}/issues/{issue_number}" })).toBe(true);
    expect(isWrite({ method: "DELETE", url: "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}" })).toBe(true);
    expect(isWrite({ method: "POST", url: "/graphql", query: "query Board($id: ID!) { node(id: $id) { id } }" })).toBe(false);
    expect(isWrite({ method: "POST", url: "/graphql", query: "\n  mutation Add($id: ID!) { addProjectV2ItemById(input: {}) { item { id } } }" })).toBe(true);
    expect(isWrite({ method: "POST", url: "/graphql", body: { query: "mutation { x }" } })).toBe(true);
  });
});

describe("paceWrites on the app's real Octokit", () => {
  it("counts what GitHub counts, and sends nothing it holds back", async () => {
    const octokit = new AppOctokitClass({ auth: "token" });
    const pacer = new WritePacer(2, () => 1_000_000, 100);
    paceWrites(octokit, pacer, 1);
    const api = nock("https://api.github.com")
      .get("/repos/o/r/issues")
      .reply(200, [])
      .post("/graphql", (body: { query: string }) => body.query.startsWith("query"))
      .reply(200, { data: { viewer: { login: "x" } } })
      .post("/repos/o/r/labels")
      .reply(201, { name: "cw:ready" })
      .post("/graphql", (body: { query: string }) => body.query.startsWith("mutation"))
      .reply(200, { data: { addStar: null } });
    await octokit.rest.issues.listForRepo({ owner: "o", repo: "r" });
    await octokit.graphql("query { viewer { login } }");
    await octokit.rest.issues.createLabel({ owner: "o", repo: "r", name: "cw:ready" });
    await octokit.graphql('mutation { addStar(input: { starrableId: "x" }) { clientMutationId } }');
    expect(api.isDone()).toBe(true);
    // Two writes went (the reads are free): the third is held back before it is sent.
    const held = await octokit.rest.issues.createComment({ owner: "o", repo: "r", issue_number: 1, body: "hi" }).catch((e: unknown) => e);
    expect(held).toBeInstanceOf(PacedWrite);
    expect(held).toMatchObject({ sentBefore: 2, waitMs: 60_000 });
  });
});
