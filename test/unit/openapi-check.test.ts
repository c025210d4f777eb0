import { describe, expect, it } from "vitest";
import { checkRequestAgainstSpec, matchOperation, normalizePath, specOperations, validateAgainstSchema, type SpecSchema } from "../support/openapi-check.js";
import { testProbot } from "../support/github-app.js";
import { github, mockInstallationToken, recordedRequests, useStrictNock } from "../support/strict-nock.js";

const R = "/repos/octo/hello";

/** operationId and params of the operation a request goes to, or the matcher's problem. */
function route(method: string, path: string): { operationId: string; params: Record<string, string> } | string {
  const found = matchOperation(method, normalizePath(path));
  return "problem" in found ? found.problem : { operationId: found.operation.operationId, params: found.params };
}

function check(method: string, path: string, body?: unknown): string[] {
  return checkRequestAgainstSpec({ method, path, body });
}

describe("the extracted fixture", () => {
  it("holds the operations the app uses, each once", () => {
    const ops = specOperations();
    const keys = ops.map((o) => `${o.method} ${o.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of [
      "GET /app",
      "POST /app/installations/{installation_id}/access_tokens",
      "GET /installation/repositories",
      "GET /repos/{owner}/{repo}",
      "POST /repos/{owner}/{repo}/labels",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by",
      "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge",
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
      "GET /repos/{owner}/{repo}/collaborators/{username}/permission",
      "POST /repos/{owner}/{repo}/check-runs",
      "POST /repos/{owner}/{repo}/git/refs",
      "GET /search/issues",
      "POST /graphql",
    ]) {
      expect(keys).toContain(key);
    }
  });
});

describe("matching a request to an operation", () => {
  it("prefers literal segments to parameters, from the left", () => {
    expect(route("GET", `${R}/issues/comments/7`)).toMatchObject({ operationId: "issues/get-comment", params: { comment_id: "7" } });
    expect(route("GET", `${R}/issues/7/comments`)).toMatchObject({ operationId: "issues/list-comments", params: { issue_number: "7" } });
    expect(route("PATCH", `${R}/pulls/comments/9`)).toMatchObject({ operationId: "pulls/update-review-comment" });
    expect(route("GET", `${R}/issues/events`)).toMatchObject({ operationId: "issues/list-events-for-repo" });
  });

  it("ignores the query string and GitHub Enterprise Server's /api/v3 prefix", () => {
    expect(route("GET", `${R}/labels?per_page=100&page=2`)).toMatchObject({ operationId: "issues/list-labels-for-repo" });
    expect(route("GET", `/api/v3${R}`)).toMatchObject({ operationId: "repos/get", params: { owner: "octo", repo: "hello" } });
    expect(route("POST", "/api/graphql")).toMatchObject({ operationId: "graphql" });
    expect(route("GET", "/api/v3/app")).toMatchObject({ operationId: "apps/get-authenticated" });
  });

  it("lets the parameters GitHub marks multi-segment span several segments, and only those", () => {
    expect(route("GET", `${R}/contents/docs/guide/README.md`)).toMatchObject({
      operationId: "repos/get-content",
      params: { path: "docs/guide/README.md" },
    });
    expect(route("GET", `${R}/git/ref/heads/feature/x`)).toMatchObject({ operationId: "git/get-ref", params: { ref: "heads/feature/x" } });
    // A literal after the parameter beats a longer parameter: check-runs is not part of the ref.
    expect(route("GET", `${R}/commits/abc123/check-runs`)).toMatchObject({ operationId: "checks/list-for-ref", params: { ref: "abc123" } });
    expect(route("GET", `${R}/commits/abc123`)).toMatchObject({ operationId: "repos/get-commit" });
    // {issue_number} is one segment: a nested path is not an issue.
    expect(route("GET", `${R}/issues/1/2`)).toMatch(/no operation/);
  });

  it("matches a segment that mixes text and parameters", () => {
    expect(route("GET", `${R}/compare/main...feature`)).toMatchObject({ params: { base: "main", head: "feature" } });
  });

  it("names the methods GitHub has when the path exists under another one", () => {
    expect(check("PATCH", `${R}/labels`)).toEqual([`PATCH ${R}/labels: GitHub has no PATCH on this path (it has GET, POST)`]);
  });

  it("reports a path GitHub has no operation for, an empty segment included", () => {
    expect(check("GET", `${R}/nothing-here`)).toEqual([expect.stringMatching(/no operation in GitHub's description matches/)]);
    expect(check("GET", `${R}/issues/`)).toEqual([expect.stringMatching(/no operation/)]);
    expect(check("GET", "/repos/octo//issues")).toEqual([expect.stringMatching(/no operation/)]);
  });

  it("checks path parameters against their types", () => {
    expect(check("POST", `${R}/issues/undefined/labels`, { labels: ["a"] })).toEqual([
      `POST ${R}/issues/undefined/labels (issues/add-labels): path parameter {issue_number}: expected integer, got string "undefined"`,
    ]);
    expect(check("POST", `/app/installations/NaN/access_tokens`)).toEqual([expect.stringMatching(/\{installation_id\}: expected integer/)]);
    // A label name is a string, digits included; percent-encoding is decoded first.
    expect(check("DELETE", `${R}/issues/3/labels/2024`)).toEqual([]);
    expect(check("DELETE", `${R}/issues/3/labels/cw%3Aready`)).toEqual([]);
  });
});

describe("request bodies of real operations", () => {
  it("add labels: an object with a non-empty labels array of names or {name}", () => {
    const path = `${R}/issues/3/labels`;
    expect(check("POST", path, { labels: ["bug", "cw:ready"] })).toEqual([]);
    expect(check("POST", path, { labels: [{ name: "bug" }] })).toEqual([]);
    expect(check("POST", path, { labels: "bug" })).toEqual([`POST ${path} (issues/add-labels): body.labels: expected array, got string "bug"`]);
    expect(check("POST", path, { labels: [] })).toEqual([expect.stringMatching(/body.labels: has 0 items, at least 1 required/)]);
    expect(check("POST", path, { labels: [{ nam: "bug" }] })).toEqual([expect.stringMatching(/missing required property "name"/)]);
    expect(check("POST", path, ["bug"])).toEqual([expect.stringMatching(/body: expected object, got array/)]);
    // What the description really allows: `labels` is not required and other properties are not
    // forbidden (no additionalProperties: false), so a misspelt key passes the schema.
    expect(check("POST", path, { label: "bug" })).toEqual([]);
  });

  it("set labels: strings or {name} objects, per GitHub's two alternatives", () => {
    const path = `${R}/issues/3/labels`;
    expect(check("PUT", path, { labels: ["a", "b"] })).toEqual([]);
    expect(check("PUT", path, { labels: [{ name: "a" }] })).toEqual([]);
    expect(check("PUT", path, { labels: [1] })).toEqual([expect.stringMatching(/fits none of the 2 alternatives/)]);
  });

  it("update an issue comment: body is required and a string", () => {
    const path = `${R}/issues/comments/55`;
    expect(check("PATCH", path, { body: "updated" })).toEqual([]);
    expect(check("PATCH", path, {})).toEqual([`PATCH ${path} (issues/update-comment): body: missing required property "body"`]);
    expect(check("PATCH", path, { body: 5 })).toEqual([expect.stringMatching(/body.body: expected string, got integer 5/)]);
    expect(check("PATCH", path)).toEqual([expect.stringMatching(/requires a request body; none was sent/)]);
  });

  it("add a sub-issue: sub_issue_id is a required integer (the id, not the number)", () => {
    const path = `${R}/issues/3/sub_issues`;
    expect(check("POST", path, { sub_issue_id: 1234567 })).toEqual([]);
    expect(check("POST", path, { sub_issue_id: 1234567, replace_parent: true })).toEqual([]);
    expect(check("POST", path, { sub_issue_id: "1234567" })).toEqual([expect.stringMatching(/body.sub_issue_id: expected integer, got string/)]);
    expect(check("POST", path, { sub_issue_id: 1.5 })).toEqual([expect.stringMatching(/expected integer, got number 1.5/)]);
    expect(check("POST", path, { issue_number: 4 })).toEqual([expect.stringMatching(/missing required property "sub_issue_id"/)]);
  });

  it("add a blocked-by dependency: issue_id is a required integer", () => {
    const path = `${R}/issues/3/dependencies/blocked_by`;
    expect(check("POST", path, { issue_id: 99 })).toEqual([]);
    expect(check("POST", path, { issue_number: 4 })).toEqual([expect.stringMatching(/missing required property "issue_id"/)]);
  });

  it("merge a pull request: optional body, sha a string, merge_method from the enum", () => {
    const path = `${R}/pulls/12/merge`;
    expect(check("PUT", path, { sha: "abc123", merge_method: "squash", commit_title: "Ship (#12)" })).toEqual([]);
    expect(check("PUT", path)).toEqual([]);
    expect(check("PUT", path, null)).toEqual([]); // the body schema is nullable
    expect(check("PUT", path, { merge_method: "fast-forward" })).toEqual([
      `PUT ${path} (pulls/merge): body.merge_method: "fast-forward" is not one of "merge", "squash", "rebase"`,
    ]);
    expect(check("PUT", path, { sha: 123 })).toEqual([expect.stringMatching(/body.sha: expected string/)]);
  });

  it("create and update check runs: enums, RFC 3339 timestamps, nested required fields, anyOf", () => {
    const create = `${R}/check-runs`;
    expect(
      check("POST", create, {
        name: "codewalkers",
        head_sha: "abc",
        status: "completed",
        conclusion: "success",
        completed_at: "2025-01-02T03:04:05Z",
        output: { title: "Done", summary: "All good" },
      }),
    ).toEqual([]);
    expect(check("POST", create, { name: "x", head_sha: "abc", started_at: "yesterday" })).toEqual([
      expect.stringMatching(/body.started_at: "yesterday" is not an ISO 8601 date-time/),
    ]);
    expect(check("POST", create, { name: "x", head_sha: "abc", output: { title: "t" } })).toEqual([
      expect.stringMatching(/body.output: missing required property "summary"/),
    ]);
    const update = `${R}/check-runs/77`;
    expect(check("PATCH", update, { status: "in_progress" })).toEqual([]);
    expect(check("PATCH", update, { status: "completed", conclusion: "failure" })).toEqual([]);
    // GitHub requires a conclusion when the status is completed.
    expect(check("PATCH", update, { status: "completed" })).toEqual([expect.stringMatching(/fits none of the 2 alternatives/)]);
  });

  it("update an issue: nullable fields, oneOf of types, nested additionalProperties: false", () => {
    const path = `${R}/issues/3`;
    expect(check("PATCH", path, { milestone: null, title: "T", state: "closed", state_reason: "not_planned", labels: ["a", { name: "b" }] })).toEqual([]);
    expect(check("PATCH", path, { milestone: 4 })).toEqual([]);
    expect(check("PATCH", path, { state: "merged" })).toEqual([expect.stringMatching(/body.state: "merged" is not one of "open", "closed"/)]);
    expect(check("PATCH", path, { milestone: true })).toEqual([expect.stringMatching(/body.milestone: fits none of the 2 alternatives/)]);
    expect(check("PATCH", path, { issue_field_values: [{ field_id: 1, value: "x", extra: 1 }] })).toEqual([
      expect.stringMatching(/body.issue_field_values\[0\]: unknown property "extra"/),
    ]);
  });

  it("create a label and an installation token", () => {
    expect(check("POST", `${R}/labels`, { name: "cw:ready", color: "0e8a16", description: "Ready" })).toEqual([]);
    expect(check("POST", `${R}/labels`, { color: "0e8a16" })).toEqual([expect.stringMatching(/missing required property "name"/)]);
    const tokens = "/app/installations/42/access_tokens";
    expect(check("POST", tokens)).toEqual([]);
    expect(check("POST", tokens, {})).toEqual([]);
    expect(check("POST", tokens, { repository_ids: [1], permissions: { issues: "write", contents: "read" } })).toEqual([]);
    expect(check("POST", tokens, { permissions: { issues: "admin" } })).toEqual([expect.stringMatching(/body.permissions.issues: "admin" is not one of/)]);
  });

  it("GraphQL: query required, variables under `variables`, nothing else", () => {
    expect(check("POST", "/graphql", { query: "query { viewer { login } }" })).toEqual([]);
    expect(check("POST", "/graphql", { query: "query($n: Int!) { x }", variables: { n: 1 } })).toEqual([]);
    expect(check("POST", "/graphql", { query: "query($n: Int!) { x }", n: 1 })).toEqual([expect.stringMatching(/body: unknown property "n"/)]);
    expect(check("POST", "/graphql", {})).toEqual([expect.stringMatching(/missing required property "query"/)]);
  });

  it("reports a body sent to an operation that takes none", () => {
    expect(check("GET", `${R}/labels`, { per_page: 100 })).toEqual([expect.stringMatching(/takes no request body, but one was sent/)]);
  });
});

describe("the schema validator", () => {
  it("reports unknown properties only under additionalProperties: false", () => {
    const open: SpecSchema = { type: "object", properties: { a: { type: "string" } } };
    expect(validateAgainstSchema({ a: "x", b: 1 }, open)).toEqual([]);
    expect(validateAgainstSchema({ a: "x", b: 1 }, { ...open, additionalProperties: false })).toEqual(['body: unknown property "b" (allowed: a)']);
    expect(validateAgainstSchema({ b: 1 }, { ...open, additionalProperties: { type: "string" } })).toEqual(["body.b: expected string, got integer 1"]);
  });

  it("tells integers from numbers, and null from a value", () => {
    expect(validateAgainstSchema(1, { type: "number" })).toEqual([]);
    expect(validateAgainstSchema(1.5, { type: "integer" })).toEqual(["body: expected integer, got number 1.5"]);
    expect(validateAgainstSchema(null, { type: "string" })).toEqual(["body: expected string, got null"]);
    expect(validateAgainstSchema(null, { type: "string", nullable: true })).toEqual([]);
    expect(validateAgainstSchema(false, { type: "boolean" })).toEqual([]);
    expect(validateAgainstSchema({}, { type: "array" })).toEqual(["body: expected array, got object {}"]);
  });

  it("applies allOf, anyOf, oneOf (as anyOf) and not", () => {
    const both: SpecSchema = { allOf: [{ required: ["a"] }, { required: ["b"] }] };
    expect(validateAgainstSchema({ a: 1 }, both)).toEqual(['body: missing required property "b"']);
    // Overlapping alternatives: fitting both is fine (GitHub's oneOfs overlap).
    expect(validateAgainstSchema({ a: 1 }, { oneOf: [{ type: "object" }, { required: ["a"] }] })).toEqual([]);
    expect(validateAgainstSchema("x", { anyOf: [{ type: "integer" }, { type: "boolean" }] })).toEqual([
      'body: fits none of the 2 alternatives: (1) body: expected integer, got string "x" (2) body: expected boolean, got string "x"',
    ]);
    expect(validateAgainstSchema("x", { not: { type: "string" } })).toEqual(["body: matches a schema it must not"]);
  });

  it("checks lengths, bounds and patterns", () => {
    expect(validateAgainstSchema("abcd", { type: "string", maxLength: 3 })).toEqual(["body: longer than 3 characters (4)"]);
    expect(validateAgainstSchema("", { type: "string", minLength: 1 })).toEqual(["body: shorter than 1 characters"]);
    expect(validateAgainstSchema(0, { type: "integer", minimum: 1 })).toEqual(["body: 0 is below the minimum 1"]);
    expect(validateAgainstSchema("v1", { type: "string", pattern: "^\\d+$" })).toEqual(['body: "v1" does not match /^\\d+$/']);
    expect(validateAgainstSchema([1, 2, 3, 4], { type: "array", maxItems: 3 })).toEqual(["body: has 4 items, at most 3 allowed"]);
  });
});

describe("what the app's Octokit really sends", () => {
  useStrictNock(); // its afterEach also checks each request against the description

  it("passes the description: token exchange, labels, comments, sub-issues, merge, contents, refs, GraphQL", async () => {
    mockInstallationToken(42);
    const octokit = await testProbot().auth(42);
    const api = github();
    api.post(`${R}/issues/3/labels`).reply(200, []);
    api.delete(`${R}/issues/3/labels/cw%3Aready`).reply(200, []);
    api.patch(`${R}/issues/comments/55`).reply(200, {});
    api.post(`${R}/issues/3/sub_issues`).reply(201, {});
    api.post(`${R}/issues/3/dependencies/blocked_by`).reply(201, {});
    api.put(`${R}/pulls/12/merge`).reply(200, {});
    api.get(`${R}/contents/docs%2Fguide.md`).query({ ref: "main" }).reply(200, {});
    api.patch(`${R}/git/refs/heads%2Ffeature%2Fx`).reply(200, {});
    api.post("/graphql").reply(200, { data: {} });

    await octokit.rest.issues.addLabels({ owner: "octo", repo: "hello", issue_number: 3, labels: ["cw:ready"] });
    await octokit.rest.issues.removeLabel({ owner: "octo", repo: "hello", issue_number: 3, name: "cw:ready" });
    await octokit.rest.issues.updateComment({ owner: "octo", repo: "hello", comment_id: 55, body: "hi" });
    await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues", { owner: "octo", repo: "hello", issue_number: 3, sub_issue_id: 777 });
    await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by", {
      owner: "octo",
      repo: "hello",
      issue_number: 3,
      issue_id: 888,
    });
    await octokit.rest.pulls.merge({ owner: "octo", repo: "hello", pull_number: 12, sha: "abc", merge_method: "squash" });
    await octokit.rest.repos.getContent({ owner: "octo", repo: "hello", path: "docs/guide.md", ref: "main" });
    await octokit.rest.git.updateRef({ owner: "octo", repo: "hello", ref: "heads/feature/x", sha: "abc", force: false });
    await octokit.graphql("query($n: Int!) { x(n: $n) }", { n: 1 });

    const sent = recordedRequests();
    expect(sent.map((r) => `${r.method} ${r.path}`)).toContain("POST /app/installations/42/access_tokens");
    expect(sent.find((r) => r.path === "/graphql")?.body).toEqual({ query: "query($n: Int!) { x(n: $n) }", variables: { n: 1 } });
    expect(sent.flatMap((r) => checkRequestAgainstSpec(r))).toEqual([]);
  });

  it("is caught when it sends what GitHub would reject", async () => {
    mockInstallationToken(42);
    const octokit = await testProbot().auth(42);
    github().post(`${R}/issues/3/sub_issues`).reply(201, {});
    // An id parsed from text that was not a number: the types allow NaN, JSON sends null, the
    // mock answers anyway; the description does not accept it.
    await octokit.rest.issues.addSubIssue({ owner: "octo", repo: "hello", issue_number: 3, sub_issue_id: Number("#4") });
    const sent = recordedRequests();
    expect(sent.flatMap((r) => checkRequestAgainstSpec(r))).toEqual([
      `POST ${R}/issues/3/sub_issues (issues/add-sub-issue): body.sub_issue_id: expected integer, got null`,
    ]);
    sent.length = 0; // checked here; keep the afterEach from failing the test for the same request
  });
});
