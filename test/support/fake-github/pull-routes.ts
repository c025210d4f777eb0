/**
 * The pull request, review, check-run and GraphQL endpoints of the fake (registered by routes.ts).
 * Every write here is the app's (its installation token): the actor is the app's bot.
 */
import { TEST_APP_ID } from "../github-app.js";
import { APP_BOT, errorBody } from "./objects.js";
import { GitHubError, notFound, validationFailed } from "./errors.js";
import { GraphQLFailure, type CheckRunInput, type PullRequests } from "./pull-requests.js";
import type { FakeRepository } from "./repository.js";
import type { PageFn, RouteContext, RouteFn, RouteHost, RouteResponse } from "./routes.js";
import type { CheckConclusion, CheckStatus, LineComment, MergeMethod, PullRequestState } from "./types.js";

type Json = Record<string, unknown>;

const ACTIONS_APP_ID = 15368;

const ok = (body: unknown, status = 200): RouteResponse => ({ status, body });

function pullNumber(ctx: RouteContext): number {
  return Number(ctx.params.pull_number);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

export function registerPullRoutes(route: RouteFn, page: PageFn): void {
  // ---------------------------------------------------------------- pull requests

  route("GET", "/repos/{owner}/{repo}/pulls", "read", (ctx) => {
    const prs = ctx.repo.pullRequests;
    const { state = "open", head, base, sort = "created" } = ctx.query;
    const direction = ctx.query.direction ?? (sort === "created" ? "desc" : "asc");
    let list = [...prs.pulls.values()];
    if (state !== "all") list = list.filter((pr) => prs.issueOf(pr).state === state);
    if (head) {
      const [owner, branch] = head.includes(":") ? [head.slice(0, head.indexOf(":")), head.slice(head.indexOf(":") + 1)] : [undefined, head];
      list = list.filter((pr) => pr.head.ref === branch && (owner === undefined || owner.toLowerCase() === ctx.repo.info.owner.toLowerCase()));
    }
    if (base) list = list.filter((pr) => pr.base.ref === base);
    const key = (pr: PullRequestState): string | number => (sort === "updated" ? prs.issueOf(pr).updatedAt : pr.number);
    list.sort((a, b) => {
      const [x, y] = direction === "asc" ? [key(a), key(b)] : [key(b), key(a)];
      return x < y ? -1 : x > y ? 1 : 0;
    });
    return page(
      ctx,
      list.map((pr) => prs.pullObject(pr, { simple: true })),
    );
  });

  route("POST", "/repos/{owner}/{repo}/pulls", "write", ({ repo, body }) => {
    const input = (body ?? {}) as Json;
    if (input.issue !== undefined) throw validationFailed("The fake does not turn issues into pull requests (`issue`): send a title");
    const pr = repo.pullRequests.create(
      {
        title: String(input.title ?? ""),
        head: String(input.head ?? ""),
        base: String(input.base ?? ""),
        body: (input.body as string | null | undefined) ?? null,
        draft: Boolean(input.draft),
        maintainerCanModify: input.maintainer_can_modify as boolean | undefined,
      },
      APP_BOT,
    );
    return ok(repo.pullRequests.pullObject(pr), 201);
  });

  route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", "read", (ctx) => {
    const prs = ctx.repo.pullRequests;
    return ok(prs.readObject(prs.get(pullNumber(ctx))));
  });

  route("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", "write", (ctx) => {
    const prs = ctx.repo.pullRequests;
    const body = (ctx.body ?? {}) as Json;
    const changed = prs.update(
      pullNumber(ctx),
      {
        title: body.title as string | undefined,
        body: body.body as string | null | undefined,
        state: body.state as "open" | "closed" | undefined,
        base: body.base as string | undefined,
        maintainerCanModify: body.maintainer_can_modify as boolean | undefined,
      },
      APP_BOT,
    );
    return { ...ok(prs.pullObject(prs.get(pullNumber(ctx)))), redundant: !changed };
  });

  route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "read", (ctx) => {
    if (!ctx.repo.pullRequests.get(pullNumber(ctx)).merged) throw notFound();
    return { status: 204 };
  });

  route("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "write", (ctx) => {
    const body = (ctx.body ?? {}) as Json;
    const result = ctx.repo.pullRequests.merge(
      pullNumber(ctx),
      {
        sha: body.sha as string | undefined,
        method: body.merge_method as MergeMethod | undefined,
        commitTitle: body.commit_title as string | undefined,
        commitMessage: body.commit_message as string | undefined,
      },
      APP_BOT,
    );
    return ok(result);
  });

  // ---------------------------------------------------------------- review requests

  route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", "read", (ctx) => {
    const prs = ctx.repo.pullRequests;
    const object = prs.pullObject(prs.get(pullNumber(ctx)), { simple: true });
    return ok({ users: object.requested_reviewers, teams: object.requested_teams });
  });

  route("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", "write", (ctx) => {
    const prs = ctx.repo.pullRequests;
    const body = (ctx.body ?? {}) as Json;
    const changed = prs.requestReviewers(pullNumber(ctx), stringList(body.reviewers), stringList(body.team_reviewers), APP_BOT);
    return { ...ok(prs.pullObject(prs.get(pullNumber(ctx)), { simple: true }), 201), redundant: !changed };
  });

  route("DELETE", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", "write", (ctx) => {
    const prs = ctx.repo.pullRequests;
    const body = (ctx.body ?? {}) as Json;
    const changed = prs.removeReviewers(pullNumber(ctx), stringList(body.reviewers), stringList(body.team_reviewers), APP_BOT);
    return { ...ok(prs.pullObject(prs.get(pullNumber(ctx)), { simple: true })), redundant: !changed };
  });

  // ---------------------------------------------------------------- reviews and review comments

  route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "read", (ctx) => {
    const prs = ctx.repo.pullRequests;
    prs.get(pullNumber(ctx));
    // Someone else's pending review is not visible.
    const reviews = prs.reviewsOn(pullNumber(ctx)).filter((r) => r.state !== "PENDING" || r.viaApp);
    return page(
      ctx,
      reviews.map((r) => prs.reviewObject(r)),
    );
  });

  route("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "write", (ctx) => {
    const prs = ctx.repo.pullRequests;
    const body = (ctx.body ?? {}) as Json;
    const comments = (Array.isArray(body.comments) ? body.comments : []).map(
      (c: Json): LineComment => ({
        path: String(c.path),
        line: Number(c.line ?? c.position ?? 1),
        body: String(c.body ?? ""),
        side: c.side as "LEFT" | "RIGHT" | undefined,
      }),
    );
    const review = prs.submitReview(
      pullNumber(ctx),
      {
        event: body.event as "APPROVE" | "REQUEST_CHANGES" | "COMMENT" | undefined,
        body: body.body as string | undefined,
        commitId: body.commit_id as string | undefined,
        comments,
      },
      APP_BOT,
    );
    return ok(prs.reviewObject(review));
  });

  route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}", "read", (ctx) => {
    const prs = ctx.repo.pullRequests;
    return ok(prs.reviewObject(prs.review(pullNumber(ctx), Number(ctx.params.review_id))));
  });

  route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments", "read", (ctx) => {
    const prs = ctx.repo.pullRequests;
    const review = prs.review(pullNumber(ctx), Number(ctx.params.review_id));
    return page(
      ctx,
      prs.reviewCommentsOn(review.pullNumber, review.id).map((c) => prs.reviewCommentObject(c)),
    );
  });

  route("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/dismissals", "write", (ctx) => {
    const prs = ctx.repo.pullRequests;
    const review = prs.dismissReview(pullNumber(ctx), Number(ctx.params.review_id), String((ctx.body as Json | undefined)?.message ?? ""), APP_BOT);
    return ok(prs.reviewObject(review));
  });

  route("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies", "write", (ctx) => {
    const prs = ctx.repo.pullRequests;
    const body = (ctx.body ?? {}) as Json;
    const reply = prs.replyToReviewComment(pullNumber(ctx), Number(ctx.params.comment_id), String(body.body ?? ""), APP_BOT);
    return ok(prs.reviewCommentObject(reply), 201);
  });

  route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments", "read", (ctx) => {
    const prs = ctx.repo.pullRequests;
    prs.get(pullNumber(ctx));
    return page(
      ctx,
      prs.reviewCommentsOn(pullNumber(ctx)).map((c) => prs.reviewCommentObject(c)),
    );
  });

  // ---------------------------------------------------------------- check runs

  route("POST", "/repos/{owner}/{repo}/check-runs", "write", ({ repo, body }) => {
    const input = (body ?? {}) as Json;
    const run = repo.pullRequests.createCheckRun({ ...checkRunFields(input), name: String(input.name ?? ""), headSha: String(input.head_sha ?? "") }, "app");
    return ok(repo.pullRequests.checkRunObject(run), 201);
  });

  route("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}", "read", ({ repo, params }) =>
    ok(repo.pullRequests.checkRunObject(repo.pullRequests.checkRun(Number(params.check_run_id)))),
  );

  route("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", "write", ({ repo, params, body }) => {
    const prs = repo.pullRequests;
    const id = Number(params.check_run_id);
    if (prs.checkRun(id).owner !== "app") {
      throw new GitHubError(403, errorBody(`Invalid app_id \`${TEST_APP_ID}\` - check run can only be modified by the GitHub App that created it.`));
    }
    const input = (body ?? {}) as Json;
    const changed = prs.updateCheckRun(id, { ...checkRunFields(input), name: input.name as string | undefined });
    return { ...ok(prs.checkRunObject(prs.checkRun(id))), redundant: !changed };
  });

  route("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", "read", (ctx) => {
    const prs = ctx.repo.pullRequests;
    const sha = prs.resolveCommit(ctx.params.ref!);
    if (!sha) throw new GitHubError(422, errorBody(`No commit found for SHA: ${ctx.params.ref}`));
    const { check_name, status, filter = "latest", app_id } = ctx.query;
    let runs = filter === "all" ? prs.checkRuns.filter((r) => r.headSha === sha) : prs.latestRuns(sha);
    if (check_name) runs = runs.filter((r) => r.name === check_name);
    if (status) runs = runs.filter((r) => r.status === status);
    if (app_id) runs = runs.filter((r) => String(r.owner === "app" ? TEST_APP_ID : ACTIONS_APP_ID) === app_id);
    runs = [...runs].sort((a, b) => b.id - a.id);
    const listed = page(
      ctx,
      runs.map((r) => prs.checkRunObject(r)),
    );
    return { ...listed, body: { total_count: runs.length, check_runs: listed.body } };
  });

  // ---------------------------------------------------------------- GraphQL

  route("POST", "/graphql", "write", ({ host, body }) => graphql(host, (body ?? {}) as Json));
}

function checkRunFields(input: Json): Omit<CheckRunInput, "name" | "headSha"> {
  return {
    status: input.status as CheckStatus | undefined,
    conclusion: input.conclusion as CheckConclusion | null | undefined,
    output: input.output as { title?: string; summary?: string; text?: string } | undefined,
    detailsUrl: input.details_url as string | undefined,
    externalId: input.external_id as string | undefined,
    startedAt: input.started_at as string | undefined,
    completedAt: input.completed_at as string | undefined,
  };
}

// ------------------------------------------------------------------ GraphQL (mutations, parsed loosely)

interface Operation {
  kind: "query" | "mutation";
  /** The first top-level field, e.g. "enablePullRequestAutoMerge". */
  field: string;
  /** The response key (its alias, else the field). */
  key: string;
  /** The text of its arguments, between the parentheses. */
  args: string;
  column: number;
}

/** The first top-level field of the document: enough for the one-mutation documents the app sends. */
function parseOperation(query: string): Operation | undefined {
  const text = query.replace(/#[^\n]*/g, "");
  const open = text.indexOf("{");
  if (open < 0) return undefined;
  const head = text.slice(0, open).trim();
  const kind = head.startsWith("mutation") ? "mutation" : "query";
  const m = /^\s*(?:(\w+)\s*:\s*)?(\w+)\s*/.exec(text.slice(open + 1));
  if (!m) return undefined;
  let args = "";
  let at = open + 1 + m[0].length;
  if (text[at] === "(") {
    let depth = 0;
    const start = at + 1;
    for (; at < text.length; at++) {
      if (text[at] === "(") depth++;
      else if (text[at] === ")" && --depth === 0) break;
    }
    args = text.slice(start, at);
  }
  return { kind, field: m[2]!, key: m[1] ?? m[2]!, args, column: open + 2 };
}

/** An argument by name: written in the arguments (a literal, or `$variable`), or a field of an `input: $variable`. */
function argument(op: Operation, variables: Json, name: string): unknown {
  const inline = new RegExp(`\\b${name}\\s*:\\s*(?:\\$(\\w+)|"((?:[^"\\\\]|\\\\.)*)"|(\\w+))`).exec(op.args);
  if (inline) {
    if (inline[1] !== undefined) return variables[inline[1]];
    if (inline[2] !== undefined) return JSON.parse(`"${inline[2]}"`);
    const word = inline[3]!;
    return word === "null" ? null : word === "true" ? true : word === "false" ? false : word;
  }
  const input = /\binput\s*:\s*\$(\w+)/.exec(op.args);
  const value = input ? variables[input[1]!] : undefined;
  return value && typeof value === "object" ? (value as Json)[name] : undefined;
}

function graphql(host: RouteHost, body: Json): RouteResponse {
  const query = String(body.query ?? "");
  const variables = (body.variables ?? {}) as Json;
  const op = parseOperation(query);
  const fail = (type: string, message: string, kind: "read" | "write" = "write"): RouteResponse => ({
    status: 200,
    kind,
    redundant: true,
    body: {
      ...(op ? { data: { [op.key]: null } } : {}),
      errors: [{ type, ...(op ? { path: [op.key] } : {}), locations: [{ line: 1, column: op?.column ?? 1 }], message }],
    },
  });
  if (!op) return fail("PARSE_ERROR", "The fake GitHub could not read this GraphQL document", "read");
  // Projects v2 (projects.ts) answers its own queries and mutations.
  const board = host.projects?.answer(op.kind, op.field, query, variables);
  if (board) return board;
  if (op.kind !== "mutation") return fail("UNSUPPORTED", `The fake GitHub answers no GraphQL queries (asked for '${op.field}')`, "read");

  const findPull = (): { repo: FakeRepository; prs: PullRequests; pr: PullRequestState } => {
    const id = String(argument(op, variables, "pullRequestId") ?? "");
    for (const repo of host.repositories) {
      const pr = repo.pullRequests.byNodeId(id);
      if (pr) return { repo, prs: repo.pullRequests, pr };
    }
    throw new GraphQLFailure("NOT_FOUND", `Could not resolve to a node with the global id of '${id}'.`);
  };
  const answer = (prs: PullRequests, pr: PullRequestState, changed: boolean, extra: Json = {}): RouteResponse => ({
    status: 200,
    redundant: !changed,
    body: { data: { [op.key]: { clientMutationId: argument(op, variables, "clientMutationId") ?? null, pullRequest: prs.graphqlObject(pr), ...extra } } },
  });
  const method = (): MergeMethod | undefined => {
    const value = argument(op, variables, "mergeMethod");
    return typeof value === "string" ? (value.toLowerCase() as MergeMethod) : undefined;
  };
  const text = (name: string): string | undefined => {
    const value = argument(op, variables, name);
    return typeof value === "string" ? value : undefined;
  };

  try {
    switch (op.field) {
      case "markPullRequestReadyForReview": {
        const { prs, pr } = findPull();
        return answer(prs, pr, prs.setDraft(pr, false, APP_BOT));
      }
      case "convertPullRequestToDraft": {
        const { prs, pr } = findPull();
        return answer(prs, pr, prs.setDraft(pr, true, APP_BOT));
      }
      case "enablePullRequestAutoMerge": {
        const { prs, pr } = findPull();
        prs.enableAutoMerge(
          pr,
          { mergeMethod: method(), expectedHeadOid: text("expectedHeadOid"), commitHeadline: text("commitHeadline"), commitBody: text("commitBody") },
          APP_BOT,
        );
        return answer(prs, pr, true, { actor: { login: APP_BOT.login } });
      }
      case "disablePullRequestAutoMerge": {
        const { prs, pr } = findPull();
        return answer(prs, pr, prs.disableAutoMerge(pr, APP_BOT), { actor: { login: APP_BOT.login } });
      }
      case "mergePullRequest": {
        const { prs, pr } = findPull();
        try {
          prs.merge(
            pr.number,
            { sha: text("expectedHeadOid"), method: method(), commitTitle: text("commitHeadline"), commitMessage: text("commitBody") },
            APP_BOT,
          );
        } catch (error) {
          if (error instanceof GitHubError) throw new GraphQLFailure("UNPROCESSABLE", String(error.body.message));
          throw error;
        }
        return answer(prs, pr, true, { actor: { login: APP_BOT.login } });
      }
      case "enqueuePullRequest": {
        const { prs, pr } = findPull();
        const changed = prs.enqueue(pr, { expectedHeadOid: text("expectedHeadOid") }, APP_BOT);
        return answer(prs, pr, changed, { mergeQueueEntry: { state: pr.merged ? "MERGEABLE" : "QUEUED" } });
      }
      default:
        return {
          status: 200,
          kind: "write",
          redundant: true,
          body: {
            errors: [
              {
                path: ["mutation", op.field],
                extensions: { code: "undefinedField", typeName: "Mutation", fieldName: op.field },
                locations: [{ line: 1, column: op.column }],
                message: `Field '${op.field}' doesn't exist on type 'Mutation'`,
              },
            ],
          },
        };
    }
  } catch (error) {
    if (error instanceof GraphQLFailure) return fail(error.type, error.message);
    if (error instanceof GitHubError) return fail("UNPROCESSABLE", String(error.body.message));
    throw error;
  }
}
