/**
 * The REST endpoints the fake answers, each a template as GitHub's docs write it, its kind
 * (read, write, or auth — token exchange and app metadata, not counted), and a handler that
 * answers from the state. Writes report `redundant` when they changed nothing.
 */
import { createHash } from "node:crypto";
import { TEST_INSTALLATION_TOKEN } from "../github-app.js";
import { APP_BOT, appObject, errorBody, labelObject, repositoryObject } from "./objects.js";
import { registerPullRoutes } from "./pull-routes.js";
import type { FakeProjects } from "./projects.js";
import { type FakeRepository, GitHubError, notFound, validationFailed } from "./repository.js";
import { compileTemplate, type CompiledTemplate } from "./router.js";
import type { HookDeliveryAttempt, IssueState, IssueStateReason, RequestKind } from "./types.js";

type Json = Record<string, unknown>;

/** What routes need from the fake. */
export interface RouteHost {
  readonly installationId: number;
  /** Every delivery attempt, oldest first (the deliveries API lists them newest first). */
  readonly hookDeliveries: readonly HookDeliveryAttempt[];
  /** Queues the delivery an attempt was of again, under the same guid; false when there is none. */
  redeliver(attemptId: number): boolean;
  readonly repositories: readonly FakeRepository[];
  repository(fullName: string): FakeRepository | undefined;
  readonly ownerConfigFiles: Map<string, string>;
  allIssues(): { repo: FakeRepository; issue: IssueState }[];
  /** Organization projects (Projects v2), answered through POST /graphql. */
  readonly projects?: FakeProjects;
}

export interface RouteContext {
  host: RouteHost;
  /** The repository of a /repos/{owner}/{repo}/… route (undefined for the owner's `.github`). */
  repo: FakeRepository | undefined;
  params: Record<string, string>;
  query: Record<string, string>;
  /** The request body as JSON: each handler reads the fields its endpoint takes. */
  body: any;
  headers: Record<string, string | string[] | undefined>;
  path: string;
}

export interface RouteResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  redundant?: boolean;
  /** Overrides the route's kind for this request (POST /graphql: a query reads, a mutation writes). */
  kind?: RequestKind;
}

export interface Route {
  method: string;
  template: string;
  kind: RequestKind;
  compiled: CompiledTemplate;
  /** Whether the fake answers this request at all (otherwise it falls through to other mocks). */
  claims(params: Record<string, string>, host: RouteHost): boolean;
  handle(ctx: RouteContext): RouteResponse;
}

export type Handler = (ctx: RouteContext & { repo: FakeRepository }) => RouteResponse;

const routes: Route[] = [];

export type RouteFn = (method: string, template: string, kind: RequestKind, handle: Handler) => void;
export type PageFn = <T>(ctx: RouteContext, items: T[]) => RouteResponse;

function route(method: string, template: string, kind: RequestKind, handle: Handler): void {
  const inRepo = template.startsWith("/repos/{owner}/{repo}");
  routes.push({
    method,
    template,
    kind,
    compiled: compileTemplate(template),
    claims: (params, host) => !inRepo || host.repository(`${params.owner}/${params.repo}`) !== undefined,
    handle: (ctx) => {
      if (inRepo && !ctx.repo) throw notFound();
      return handle(ctx as RouteContext & { repo: FakeRepository });
    },
  });
}

export function allRoutes(): readonly Route[] {
  return routes;
}

const ok = (body: unknown, status = 200, headers?: Record<string, string>): RouteResponse => ({ status, body, headers });

function issueNumber(ctx: RouteContext): number {
  return Number(ctx.params.issue_number);
}

/** One page of a list, with the Link header GitHub sends (Octokit's paginate follows rel="next"). */
function page<T>(ctx: RouteContext, items: T[]): RouteResponse {
  const perPage = Math.min(Math.max(Number(ctx.query.per_page ?? 30) || 30, 1), 100);
  const current = Math.max(Number(ctx.query.page ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const headers: Record<string, string> = {};
  const link = (n: number, rel: string) => {
    const query = new URLSearchParams({ ...ctx.query, per_page: String(perPage), page: String(n) });
    return `<https://api.github.com${ctx.path}?${query}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (current > 1) links.push(link(current - 1, "prev"), link(1, "first"));
  if (current < last) links.push(link(current + 1, "next"), link(last, "last"));
  if (links.length > 0) headers.link = links.join(", ");
  return ok(items.slice((current - 1) * perPage, current * perPage), 200, headers);
}

/** `labels` in a body: ["a"], [{ name: "a" }], or { labels: [...] } (GitHub takes all three). */
function labelNames(body: unknown): string[] {
  const list = Array.isArray(body) ? body : ((body as { labels?: unknown } | undefined)?.labels ?? []);
  if (!Array.isArray(list)) throw validationFailed("Invalid request: labels must be an array");
  return list.map((l) => (typeof l === "string" ? l : String((l as { name?: unknown }).name)));
}

function issueLabels(repo: FakeRepository, number: number): Json[] {
  return repo.issue(number).labels.map((name) => labelObject(repo.info, repo.label(name)!));
}

// ------------------------------------------------------------------ auth (not counted)

routes.push({
  method: "POST",
  template: "/app/installations/{installation_id}/access_tokens",
  kind: "auth",
  compiled: compileTemplate("/app/installations/{installation_id}/access_tokens"),
  claims: (params, host) => Number(params.installation_id) === host.installationId,
  handle: () =>
    ok(
      {
        token: TEST_INSTALLATION_TOKEN,
        expires_at: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
        permissions: { issues: "write", contents: "write", pull_requests: "write", checks: "write", metadata: "read" },
        repository_selection: "selected",
      },
      201,
    ),
});

route("GET", "/app", "auth", () => ok({ ...appObject(), installations_count: 1 }));

// The App's webhook deliveries (authenticated as the app): its log of attempts, and a redelivery.
route("GET", "/app/hook/deliveries", "auth", (ctx) => page(ctx, [...ctx.host.hookDeliveries].reverse()));
route("POST", "/app/hook/deliveries/{delivery_id}/attempts", "auth", (ctx) => {
  if (!ctx.host.redeliver(Number(ctx.params.delivery_id))) throw notFound();
  return ok({}, 202);
});

// ------------------------------------------------------------------ installation and repositories

route("GET", "/installation/repositories", "read", (ctx) => {
  const listed = page(
    ctx,
    ctx.host.repositories.map((r) => ({ ...repositoryObject(r.info), permissions: { admin: false, maintain: false, push: true, triage: true, pull: true } })),
  );
  return { ...listed, body: { total_count: ctx.host.repositories.length, repository_selection: "selected", repositories: listed.body } };
});

route("GET", "/repos/{owner}/{repo}", "read", ({ repo }) =>
  ok({ ...repositoryObject(repo.info), permissions: { admin: false, maintain: false, push: true, triage: true, pull: true } }),
);

// ------------------------------------------------------------------ labels

route("GET", "/repos/{owner}/{repo}/labels", "read", (ctx) =>
  page(
    ctx,
    ctx.repo.labels.map((l) => labelObject(ctx.repo.info, l)),
  ),
);

route("GET", "/repos/{owner}/{repo}/labels/{name}", "read", ({ repo, params }) => {
  const label = repo.label(params.name!);
  if (!label) throw notFound();
  return ok(labelObject(repo.info, label));
});

route("POST", "/repos/{owner}/{repo}/labels", "write", ({ repo, body }) => {
  const name = (body as { name?: string }).name;
  if (!name) throw validationFailed("Validation Failed", [{ resource: "Label", code: "missing_field", field: "name" }]);
  if (repo.label(name)) {
    throw validationFailed("Validation Failed", [{ resource: "Label", code: "already_exists", field: "name" }]);
  }
  const { label } = repo.defineLabel(name, (body.color as string | undefined)?.replace(/^#/, "") ?? "ededed", body.description ?? null);
  return ok(labelObject(repo.info, label), 201);
});

route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "read", (ctx) => page(ctx, issueLabels(ctx.repo, issueNumber(ctx))));

route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "write", (ctx) => {
  const added = ctx.repo.addLabels(issueNumber(ctx), labelNames(ctx.body), APP_BOT);
  return { ...ok(issueLabels(ctx.repo, issueNumber(ctx))), redundant: added.length === 0 };
});

route("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "write", (ctx) => {
  const changed = ctx.repo.setLabels(issueNumber(ctx), labelNames(ctx.body), APP_BOT);
  return { ...ok(issueLabels(ctx.repo, issueNumber(ctx))), redundant: !changed };
});

route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "write", (ctx) => {
  const changed = ctx.repo.setLabels(issueNumber(ctx), [], APP_BOT);
  return { status: 204, redundant: !changed };
});

route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", "write", (ctx) => {
  if (!ctx.repo.removeLabel(issueNumber(ctx), ctx.params.name!, APP_BOT)) {
    throw new GitHubError(404, errorBody("Label does not exist"));
  }
  return ok(issueLabels(ctx.repo, issueNumber(ctx)));
});

// ------------------------------------------------------------------ issues

route("GET", "/repos/{owner}/{repo}/issues", "read", (ctx) => {
  const { state = "open", labels, milestone, assignee, direction = "desc" } = ctx.query;
  const wanted = labels
    ? labels
        .split(",")
        .map((l) => l.trim().toLowerCase())
        .filter(Boolean)
    : [];
  let issues = [...ctx.repo.issues.values()].filter((i) => !i.gone);
  if (state !== "all") issues = issues.filter((i) => i.state === state);
  if (wanted.length > 0) issues = issues.filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)));
  if (milestone === "none") issues = issues.filter((i) => i.milestone === null);
  else if (milestone === "*") issues = issues.filter((i) => i.milestone !== null);
  else if (milestone !== undefined) issues = issues.filter((i) => i.milestone === Number(milestone));
  if (assignee === "none") issues = issues.filter((i) => i.assignees.length === 0);
  else if (assignee === "*") issues = issues.filter((i) => i.assignees.length > 0);
  else if (assignee !== undefined) issues = issues.filter((i) => i.assignees.some((a) => a.login.toLowerCase() === assignee.toLowerCase()));
  issues.sort((a, b) => (direction === "asc" ? a.number - b.number : b.number - a.number));
  return page(
    ctx,
    issues.map((i) => ctx.repo.issueObject(i)),
  );
});

route("POST", "/repos/{owner}/{repo}/issues", "write", ({ repo, body }) => {
  const issue = repo.createIssue(
    {
      title: String(body.title),
      body: body.body ?? null,
      labels: body.labels ? labelNames(body) : [],
      milestone: body.milestone ?? null,
      assignees: body.assignees ?? [],
    },
    APP_BOT,
  );
  return ok(repo.issueObject(issue), 201);
});

route("GET", "/repos/{owner}/{repo}/issues/{issue_number}", "read", (ctx) => {
  const stored = ctx.repo.issues.get(issueNumber(ctx));
  if (stored?.gone?.kind === "deleted") throw new GitHubError(410, errorBody("This issue was deleted"));
  if (stored?.gone?.kind === "transferred" && stored.gone.to) {
    const location = `https://api.github.com/repos/${stored.gone.to.fullName}/issues/${stored.gone.to.number}`;
    return { status: 301, body: errorBody("Moved Permanently", { url: location }), headers: { location } };
  }
  return ok(ctx.repo.issueObject(ctx.repo.issue(issueNumber(ctx))));
});

route("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", "write", (ctx) => {
  const body = ctx.body as Json;
  const changed = ctx.repo.updateIssue(
    issueNumber(ctx),
    {
      title: body.title as string | undefined,
      body: body.body as string | null | undefined,
      state: body.state as "open" | "closed" | undefined,
      stateReason: body.state_reason as IssueStateReason | null | undefined,
      labels: body.labels === undefined ? undefined : labelNames(body),
      milestone: body.milestone as number | null | undefined,
      assignees: (body.assignees as string[] | undefined) ?? (body.assignee === undefined ? undefined : body.assignee ? [body.assignee as string] : []),
    },
    APP_BOT,
  );
  return { ...ok(ctx.repo.issueObject(ctx.repo.issue(issueNumber(ctx)))), redundant: !changed };
});

// Adds assignees, keeping those already there. As on GitHub, logins that cannot be assigned
// (not collaborators with at least triage) are dropped without an error, and an issue holds at
// most 10 assignees; the answer is the issue, 201 even when nothing changed.
route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/assignees", "write", (ctx) => {
  const { assignees = [] } = (ctx.body ?? {}) as { assignees?: (string | { login: string })[] };
  const issue = ctx.repo.issue(issueNumber(ctx));
  const current = issue.assignees.map((u) => u.login);
  const assignable = assignees
    .map((a) => (typeof a === "string" ? a : a.login))
    .filter((login) => ["admin", "maintain", "write", "triage"].includes(ctx.repo.role(login) ?? "none"))
    .filter((login) => !current.some((c) => c.toLowerCase() === login.toLowerCase()));
  const wanted = [...current, ...new Set(assignable)].slice(0, 10);
  const changed = ctx.repo.updateIssue(issueNumber(ctx), { assignees: wanted }, APP_BOT);
  return { ...ok(ctx.repo.issueObject(ctx.repo.issue(issueNumber(ctx))), 201), redundant: !changed };
});

route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/events", "read", (ctx) => {
  const issue = ctx.repo.issue(issueNumber(ctx));
  return page(
    ctx,
    issue.events.map((e) => ctx.repo.eventObject(e)),
  );
});

// ------------------------------------------------------------------ comments

route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "read", (ctx) => {
  ctx.repo.issue(issueNumber(ctx));
  const since = ctx.query.since;
  const comments = ctx.repo.commentsOn(issueNumber(ctx)).filter((c) => !since || c.updatedAt >= since);
  return page(
    ctx,
    comments.map((c) => ctx.repo.commentObject(c)),
  );
});

route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "write", (ctx) => {
  const body = (ctx.body as { body?: unknown }).body;
  if (typeof body !== "string" || body === "")
    throw validationFailed("Validation Failed", [{ resource: "IssueComment", code: "missing_field", field: "body" }]);
  return ok(ctx.repo.commentObject(ctx.repo.createComment(issueNumber(ctx), body, APP_BOT)), 201);
});

route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "read", ({ repo, params }) =>
  ok(repo.commentObject(repo.comment(Number(params.comment_id)))),
);

route("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "write", ({ repo, params, body }) => {
  const id = Number(params.comment_id);
  const changed = repo.updateComment(id, String((body as { body?: unknown }).body), APP_BOT);
  return { ...ok(repo.commentObject(repo.comment(id))), redundant: !changed };
});

route("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "write", ({ repo, params }) => {
  repo.deleteComment(Number(params.comment_id), APP_BOT);
  return { status: 204 };
});

// ------------------------------------------------------------------ people, files, milestones

route("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", "read", ({ repo, params }) => ok(repo.collaboratorPermission(params.username!)));

route("GET", "/repos/{owner}/{repo}/milestones", "read", (ctx) => {
  const { state = "open", direction = "asc" } = ctx.query;
  let milestones = [...ctx.repo.milestones.values()];
  if (state !== "all") milestones = milestones.filter((m) => m.state === state);
  milestones.sort((a, b) => (direction === "desc" ? b.number - a.number : a.number - b.number));
  return page(
    ctx,
    milestones.map((m) => ctx.repo.milestoneObject(m)),
  );
});

route("GET", "/repos/{owner}/{repo}/milestones/{milestone_number}", "read", ({ repo, params }) =>
  ok(repo.milestoneObject(repo.milestone(Number(params.milestone_number)))),
);

route("PATCH", "/repos/{owner}/{repo}/milestones/{milestone_number}", "write", ({ repo, params, body }) => {
  const number = Number(params.milestone_number);
  const input = (body ?? {}) as Json;
  const changed = repo.updateMilestone(
    number,
    {
      title: input.title as string | undefined,
      description: input.description as string | null | undefined,
      dueOn: input.due_on as string | null | undefined,
      state: input.state as "open" | "closed" | undefined,
    },
    APP_BOT,
  );
  return { ...ok(repo.milestoneObject(repo.milestone(number))), redundant: !changed };
});

// ------------------------------------------------------------------ sub-issues and dependencies

route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues", "read", (ctx) => {
  const issue = ctx.repo.issue(issueNumber(ctx));
  return page(
    ctx,
    issue.children.map((id) => renderById(ctx.host, id)),
  );
});

route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues", "write", (ctx) => {
  const { sub_issue_id, replace_parent } = ctx.body as { sub_issue_id: number; replace_parent?: boolean };
  const parent = ctx.repo.addSubIssue(issueNumber(ctx), Number(sub_issue_id), APP_BOT, Boolean(replace_parent));
  return ok(ctx.repo.issueObject(parent), 201);
});

route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/sub_issue", "write", (ctx) => {
  const child = ctx.repo.removeSubIssue(issueNumber(ctx), Number((ctx.body as { sub_issue_id: number }).sub_issue_id), APP_BOT);
  return ok(renderById(ctx.host, child.id));
});

route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/parent", "read", (ctx) => {
  const issue = ctx.repo.issue(issueNumber(ctx));
  if (issue.parent === null) throw notFound();
  return ok(renderById(ctx.host, issue.parent));
});

route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by", "read", (ctx) => {
  const issue = ctx.repo.issue(issueNumber(ctx));
  return page(
    ctx,
    issue.blockedBy.map((id) => renderById(ctx.host, id)),
  );
});

route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocking", "read", (ctx) => {
  const issue = ctx.repo.issue(issueNumber(ctx));
  const blocked = ctx.host.allIssues().filter(({ issue: other }) => !other.gone && other.blockedBy.includes(issue.id));
  return page(
    ctx,
    blocked.map(({ repo, issue: other }) => repo.issueObject(other)),
  );
});

route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by", "write", (ctx) => {
  const { issue_id } = ctx.body as { issue_id: number };
  const blocker = ctx.repo.addBlockedBy(issueNumber(ctx), Number(issue_id), APP_BOT);
  return ok(blocker.repo.issueObject(blocker.issue), 201);
});

route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by/{issue_id}", "write", (ctx) => {
  const blocker = ctx.repo.removeBlockedBy(issueNumber(ctx), Number(ctx.params.issue_id), APP_BOT);
  return ok(blocker.repo.issueObject(blocker.issue));
});

// ------------------------------------------------------------------ contents (config files)

const CONTENTS = "/repos/{owner}/{repo}/contents/{path}";
routes.push({
  method: "GET",
  template: CONTENTS,
  kind: "read",
  compiled: compileTemplate(CONTENTS),
  // Also the owner's `.github` repository, where Probot's config loader looks next.
  claims: (params, host) =>
    host.repository(`${params.owner}/${params.repo}`) !== undefined ||
    (params.repo === ".github" && host.repositories.some((r) => r.info.owner.toLowerCase() === params.owner!.toLowerCase())),
  handle: ({ host, repo, params, headers }) => {
    const files = repo ? repo.files : host.ownerConfigFiles;
    const text = files.get(params.path!);
    if (text === undefined) throw notFound();
    const accept = String(headers.accept ?? "");
    if (accept.includes("raw")) return { status: 200, body: text, headers: { "content-type": "text/plain; charset=utf-8" } };
    const fullName = repo ? repo.fullName : `${params.owner}/.github`;
    const name = params.path!.split("/").pop();
    return ok({
      type: "file",
      encoding: "base64",
      size: Buffer.byteLength(text),
      name,
      path: params.path,
      content: Buffer.from(text).toString("base64"),
      sha: gitBlobSha(text),
      url: `https://api.github.com/repos/${fullName}/contents/${params.path}`,
      html_url: `https://github.com/${fullName}/blob/main/${params.path}`,
      download_url: `https://raw.githubusercontent.com/${fullName}/main/${params.path}`,
    });
  },
});

function renderById(host: RouteHost, id: number): Json {
  const found = host.allIssues().find(({ issue }) => issue.id === id);
  if (!found) throw notFound();
  return found.repo.issueObject(found.issue);
}

function gitBlobSha(text: string): string {
  const bytes = Buffer.from(text);
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

// ------------------------------------------------------------------ pull requests, reviews, checks, GraphQL

registerPullRoutes(route, page);
