/**
 * A stateful fake GitHub for one installation of the app, served through persisted nock
 * interceptors on https://api.github.com. It answers the REST endpoints in routes.ts from its
 * state, records every request (read / write / redundant write), and queues the webhooks GitHub
 * would send — for people's actions (methods below) and for the app's own API writes alike.
 *
 * With strict nock: create it inside the test (or in a beforeEach registered after
 * `useStrictNock()`), since strict nock's beforeEach removes every interceptor. Its interceptors
 * are persisted and optional, so they are never reported as "mocks never used"; requests for
 * repositories it does not hold are not claimed and fall through to other mocks (or fail as
 * unmatched). Requests it answers are also checked against GitHub's OpenAPI description.
 *
 *   useStrictNock();
 *   const booted = useBootedApp();
 *   it("…", async () => {
 *     const fake = new FakeGitHub({ repositories: [{ files: { ".github/codewalkers.yml": "…" } }] });
 *     fake.install();
 *     const n = fake.openIssue({ title: "Fix it", labels: ["cw:run"] }, WRITER);
 *     await fake.converge(booted.app.port, booted.settle); // deliver, settle, deliver the echoes…
 *     expect(fake.labelsOf(n)).toContain("cw:ready");
 *     expect(fake.counts().redundantWrites).toBe(0);
 *   });
 */
import nock from "nock";
import { examplePayload } from "../fixtures.js";
import { postDelivery, TEST_APP_ID } from "../github-app.js";
import { INSTALLATION_ID, OWNER, REPO, REPOSITORY_ID, WRITER } from "../payloads.js";
import { GITHUB_API, recordAnsweredRequest } from "../strict-nock.js";
import type { ContentLimit } from "./content-limit.js";
import { APP_BOT, APP_SLUG, errorBody, installationNodeId, repositoryObject, timestamp, userObject } from "./objects.js";
import type { MergeInput, PullInput } from "./pull-requests.js";
import { FakeRepository, GitHubError, isBot, type Hub, type IssuePatch, type MilestoneInput } from "./repository.js";
import { allRoutes, type Route, type RouteHost } from "./routes.js";
import { matchTemplate, splitUrl } from "./router.js";
import { FakeProjects } from "./projects.js";
import type {
  BranchProtection,
  CheckConclusion,
  CheckRunState,
  CommentState,
  FakeGitHubOptions,
  FakeRequest,
  FaultSpec,
  IssueState,
  LabelState,
  LineComment,
  MilestoneState,
  PullRequestInfo,
  QueuedWebhook,
  HookDeliveryAttempt,
  RequestCounts,
  ReviewCommentState,
  ReviewState,
  Role,
  UserSpec,
} from "./types.js";

type Json = Record<string, unknown>;

const METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"] as const;

export interface DeliveryResult {
  deliveryId: string;
  event: string;
  action: string | undefined;
  fromApp: boolean;
  status: number;
  body: Record<string, unknown>;
}

/**
 * People's actions and assertion helpers on one repository. `FakeGitHub` is this for its first
 * repository; `fake.in("owner/name")` gives it for another.
 */
export abstract class RepositoryActions {
  protected abstract get target(): FakeRepository;

  get fullName(): string {
    return this.target.fullName;
  }

  // ---------------------------------------------------------------- people's actions (queue webhooks)

  createMilestone(input: MilestoneInput, as: UserSpec = WRITER): number {
    return this.target.createMilestone(input, as).number;
  }

  editMilestone(number: number, patch: Partial<MilestoneInput>, as: UserSpec = WRITER): void {
    this.target.updateMilestone(number, patch, as);
  }

  closeMilestone(number: number, as: UserSpec = WRITER): void {
    this.target.updateMilestone(number, { state: "closed" }, as);
  }

  reopenMilestone(number: number, as: UserSpec = WRITER): void {
    this.target.updateMilestone(number, { state: "open" }, as);
  }

  deleteMilestone(number: number, as: UserSpec = WRITER): void {
    this.target.deleteMilestone(number, as);
  }

  /** Queues `opened`, then `labeled` per label, `milestoned`, `assigned` per assignee. Returns the number. */
  openIssue(input: { title: string; body?: string | null; labels?: string[]; milestone?: number | null; assignees?: string[] }, as: UserSpec = WRITER): number {
    return this.target.createIssue(input, as).number;
  }

  /** Title and body send one `edited` (with `changes`); assignees send `assigned` / `unassigned`. */
  editIssue(number: number, patch: Pick<IssuePatch, "title" | "body" | "assignees">, as: UserSpec = WRITER): void {
    this.target.updateIssue(number, patch, as);
  }

  addLabels(number: number, labels: string[], as: UserSpec = WRITER): void {
    this.target.addLabels(number, labels, as);
  }

  removeLabel(number: number, label: string, as: UserSpec = WRITER): void {
    this.target.removeLabel(number, label, as);
  }

  closeIssue(number: number, as: UserSpec = WRITER, reason: "completed" | "not_planned" | "duplicate" = "completed"): void {
    this.target.updateIssue(number, { state: "closed", stateReason: reason }, as);
  }

  reopenIssue(number: number, as: UserSpec = WRITER): void {
    this.target.updateIssue(number, { state: "open" }, as);
  }

  deleteIssue(number: number, as: UserSpec = WRITER): void {
    this.target.deleteIssue(number, as);
  }

  /** Queues `transferred`; when the target repository is in the fake, the issue appears there (`opened`). */
  transferIssue(number: number, toFullName: string, as: UserSpec = WRITER): { fullName: string; number: number } {
    return this.target.transferIssue(number, toFullName, as);
  }

  setMilestone(number: number, milestone: number | null, as: UserSpec = WRITER): void {
    this.target.updateIssue(number, { milestone }, as);
  }

  /** Returns the comment's id. */
  comment(number: number, body: string, as: UserSpec = WRITER): number {
    return this.target.createComment(number, body, as).id;
  }

  editComment(id: number, body: string, as: UserSpec = WRITER): void {
    this.target.updateComment(id, body, as);
  }

  deleteComment(id: number, as: UserSpec = WRITER): void {
    this.target.deleteComment(id, as);
  }

  /** Both issues in this repository. Queues `sub_issue_added` (and `parent_issue_added`). */
  addSubIssue(parent: number, child: number, as: UserSpec = WRITER): void {
    this.target.addSubIssue(parent, this.target.issue(child).id, as);
  }

  removeSubIssue(parent: number, child: number, as: UserSpec = WRITER): void {
    this.target.removeSubIssue(parent, this.target.issue(child).id, as);
  }

  /** `number` is blocked by `blocker` (both in this repository). Queues `blocked_by_added` (and `blocking_added`). */
  addBlockedBy(number: number, blocker: number, as: UserSpec = WRITER): void {
    this.target.addBlockedBy(number, this.target.issue(blocker).id, as);
  }

  removeBlockedBy(number: number, blocker: number, as: UserSpec = WRITER): void {
    this.target.removeBlockedBy(number, this.target.issue(blocker).id, as);
  }

  // ---------------------------------------------------------------- setup (no webhooks)

  /** Sets a collaborator's role; "none" keeps them known (permission "none"), unknown logins answer 404. */
  setPermission(login: string, role: Role): void {
    this.target.setRole(login, role);
  }

  /** Sets (or, with null, removes) a file, e.g. ".github/codewalkers.yml". */
  setFile(path: string, text: string | null): void {
    if (text === null) this.target.files.delete(path);
    else this.target.files.set(path, text);
  }

  /** Adds a label definition (GitHub's `label` webhook is not emulated: the app does not subscribe to it). */
  defineLabel(name: string, color?: string, description?: string | null): void {
    this.target.defineLabel(name, color, description ?? null);
  }

  // ---------------------------------------------------------------- assertions

  /** A copy of the issue's state (404 error when missing or gone). */
  issue(number: number): IssueState {
    return structuredClone(this.target.issue(number));
  }

  /** The issue's state even when it was deleted or transferred (undefined if it never existed). */
  issueEvenIfGone(number: number): IssueState | undefined {
    const issue = this.target.issues.get(number);
    return issue && structuredClone(issue);
  }

  /** The issue as GitHub's REST API would render it now. */
  issueObject(number: number): Json {
    return this.target.issueObject(this.target.issue(number));
  }

  labelsOf(number: number): string[] {
    return [...this.target.issue(number).labels];
  }

  commentsOn(number: number): CommentState[] {
    return structuredClone(this.target.commentsOn(number));
  }

  /** The repository's label definitions. */
  labels(): LabelState[] {
    return structuredClone(this.target.labels);
  }

  milestone(number: number): MilestoneState {
    return structuredClone(this.target.milestone(number));
  }

  // ---------------------------------------------------------------- pull requests: people's actions (queue webhooks)

  /** A person opens a pull request (`pull_request.opened`); `base` defaults to the default branch. Returns its number. */
  openPullRequest(input: Omit<PullInput, "base"> & { base?: string }, as: UserSpec = WRITER): number {
    return this.target.pullRequests.create({ ...input, base: input.base ?? this.target.info.defaultBranch }, as).number;
  }

  /** Edits title, body or base (`pull_request.edited` with `changes`). */
  editPullRequest(number: number, patch: { title?: string; body?: string | null; base?: string }, as: UserSpec = WRITER): void {
    this.target.pullRequests.update(number, patch, as);
  }

  /** Closes without merging (`pull_request.closed`, merged false). */
  closePullRequest(number: number, as: UserSpec = WRITER): void {
    this.target.pullRequests.update(number, { state: "closed" }, as);
  }

  reopenPullRequest(number: number, as: UserSpec = WRITER): void {
    this.target.pullRequests.update(number, { state: "open" }, as);
  }

  /** Draft → ready (`pull_request.ready_for_review`). */
  markReadyForReview(number: number, as: UserSpec = WRITER): void {
    const prs = this.target.pullRequests;
    prs.setDraft(prs.get(number), false, as);
  }

  convertToDraft(number: number, as: UserSpec = WRITER): void {
    const prs = this.target.pullRequests;
    prs.setDraft(prs.get(number), true, as);
  }

  /**
   * A person presses the merge button: the same rules and git merge as the REST merge (throws
   * the GitHubError — 405, 409 — it would answer). Returns the merge commit's sha.
   */
  mergePullRequest(number: number, as: UserSpec = WRITER, options: MergeInput = {}): string {
    return this.target.pullRequests.merge(number, options, as).sha;
  }

  /** An approving review on `commitId` (default: the current head). Returns the review's id. */
  approve(number: number, as: UserSpec = WRITER, options: { commitId?: string; body?: string } = {}): number {
    return this.target.pullRequests.submitReview(number, { event: "APPROVE", body: options.body, commitId: options.commitId }, as).id;
  }

  /** A review requesting changes, with optional line comments. Returns the review's id. */
  requestChanges(number: number, as: UserSpec, body: string, lineComments: LineComment[] = [], options: { commitId?: string } = {}): number {
    return this.target.pullRequests.submitReview(number, { event: "REQUEST_CHANGES", body, comments: lineComments, commitId: options.commitId }, as).id;
  }

  /** A review that only comments, with optional line comments. Returns the review's id. */
  commentReview(number: number, as: UserSpec, body: string, lineComments: LineComment[] = [], options: { commitId?: string } = {}): number {
    return this.target.pullRequests.submitReview(number, { event: "COMMENT", body, comments: lineComments, commitId: options.commitId }, as).id;
  }

  /** Dismisses an approval or a change request (`pull_request_review.dismissed`). */
  dismissReview(number: number, reviewId: number, as: UserSpec = WRITER, message = "Dismissed"): void {
    this.target.pullRequests.dismissReview(number, reviewId, message, as);
  }

  /**
   * A person pushes one commit to `branch` (created from the default branch when missing):
   * `files` maps paths to content, null deletes. Open pull requests on that head get
   * `pull_request.synchronize`. Returns the new commit's sha.
   */
  pushToBranch(branch: string, files: Record<string, string | null>, message = "Update", as: UserSpec = WRITER): string {
    return this.target.pullRequests.push(branch, files, message, as);
  }

  /**
   * CI finishes on a commit (a sha, or a branch's tip): GitHub Actions' runs — `names`, default
   * the required checks of the branches its open pull requests target, else "ci" — complete
   * with `conclusion`; `check_suite.completed` is queued; pull requests with auto-merge on that
   * are now mergeable merge (sent as merged by whoever enabled auto-merge).
   */
  completeChecks(shaOrBranch: string, conclusion: CheckConclusion = "success", options: { names?: string[] } = {}): void {
    this.target.pullRequests.completeChecks(shaOrBranch, conclusion, options.names);
  }

  // ---------------------------------------------------------------- pull requests: setup (no webhooks)

  /** Branch protection for `branch` (a name, or a pattern with `*`): approvals and checks a merge needs. */
  protectBranch(branch: string, rule: BranchProtection): void {
    this.target.pullRequests.protect(branch, rule);
  }

  unprotectBranch(branch: string): void {
    this.target.pullRequests.protections.delete(branch);
  }

  /** The repository setting "Allow auto-merge" (on by default). */
  setAllowAutoMerge(allowed: boolean): void {
    this.target.pullRequests.allowAutoMerge = allowed;
  }

  /** The next `times` reads of the pull request answer `mergeable: null`: GitHub has not worked it out yet. */
  mergeabilityPending(number: number, times = 1): void {
    this.target.pullRequests.mergeabilityPending.set(number, times);
  }

  // ---------------------------------------------------------------- pull requests: assertions

  /** Every pull request, oldest first (after noticing pushes made outside the fake). */
  pulls(): PullRequestInfo[] {
    const prs = this.target.pullRequests;
    prs.syncWithGit();
    return [...prs.pulls.values()].map((pr) => prs.info(pr));
  }

  pull(number: number): PullRequestInfo {
    const prs = this.target.pullRequests;
    prs.syncWithGit();
    return prs.info(prs.get(number));
  }

  /** The pull request as GitHub's REST API would render it now (mergeable_state included). */
  pullObject(number: number): Json {
    const prs = this.target.pullRequests;
    prs.syncWithGit();
    return prs.pullObject(prs.get(number));
  }

  reviewsOn(number: number): ReviewState[] {
    return structuredClone(this.target.pullRequests.reviewsOn(number));
  }

  reviewCommentsOn(number: number): ReviewCommentState[] {
    return structuredClone(this.target.pullRequests.reviewCommentsOn(number));
  }

  /** Check runs, oldest first; on one commit (a sha or a branch) when given. */
  checkRuns(shaOrBranch?: string): CheckRunState[] {
    const prs = this.target.pullRequests;
    const sha = shaOrBranch === undefined ? undefined : prs.resolveCommit(shaOrBranch);
    return structuredClone(prs.checkRuns.filter((r) => shaOrBranch === undefined || r.headSha === sha));
  }

  /** A branch's tip in the bare repository (undefined when missing; made up without one). */
  branchSha(branch: string): string | undefined {
    return this.target.pullRequests.branchSha(branch);
  }

  /** A file on a branch of the bare repository (undefined when missing; throws without one). */
  fileAt(branch: string, path: string): string | undefined {
    return this.target.pullRequests.fileAt(branch, path);
  }
}

class RepositoryView extends RepositoryActions {
  constructor(private readonly repository: FakeRepository) {
    super();
  }

  protected override get target(): FakeRepository {
    return this.repository;
  }
}

export class FakeGitHub extends RepositoryActions implements Hub, RouteHost {
  readonly installationId: number;
  readonly repositories: FakeRepository[];
  readonly ownerConfigFiles: Map<string, string>;
  readonly mirrorRelationEvents: boolean;
  /** Every request answered, in order (auth requests included, with kind "auth"). */
  readonly requests: FakeRequest[] = [];
  /** Organization projects (Projects v2): boards, their cards, people's moves (projects.ts). */
  readonly projects: FakeProjects = new FakeProjects(this);

  #webhooks: QueuedWebhook[] = [];
  /** Every attempt at a delivery, oldest first, and the webhook each was of (for a redelivery). */
  readonly #attempts: { attempt: HookDeliveryAttempt; webhook: QueuedWebhook }[] = [];
  #faults = new Map<string, FaultSpec & { remaining: number }>();
  #interceptors: nock.Interceptor[] = [];
  #nextId = 3_000_000_001;
  #clock = Date.now();
  /** GitHub's content-creation limit, when a test or benchmark models it (`limitContentCreation`). */
  contentLimit: ContentLimit | undefined;

  constructor(options: FakeGitHubOptions = {}) {
    super();
    this.installationId = options.installationId ?? INSTALLATION_ID;
    this.mirrorRelationEvents = options.mirrorRelationEvents ?? true;
    this.ownerConfigFiles = new Map(Object.entries(options.ownerConfigFiles ?? {}));
    const specs = options.repositories ?? [{}];
    if (specs.length === 0) throw new Error("FakeGitHub: at least one repository");
    // The first repository defaults to payloads.ts's (ids 9_000_000 + n like issueObject there).
    this.repositories = specs.map(
      (spec, i) =>
        new FakeRepository(this, spec, 9_000_000 + i * 1_000_000, 7_000_000 + i * 100_000, {
          owner: OWNER,
          name: i === 0 ? REPO : `${REPO}-${i + 1}`,
          id: REPOSITORY_ID + i,
        }),
    );
    const names = new Set(this.repositories.map((r) => r.fullName.toLowerCase()));
    if (names.size !== this.repositories.length) throw new Error("FakeGitHub: repository names must differ");
    this.intercept();
  }

  protected override get target(): FakeRepository {
    return this.repositories[0]!;
  }

  /** The actions and assertions of another repository of the fake. */
  in(fullName: string): RepositoryActions {
    const repository = this.repository(fullName);
    if (!repository) throw new Error(`FakeGitHub: no repository ${fullName}`);
    return new RepositoryView(repository);
  }

  repository(fullName: string): FakeRepository | undefined {
    return this.repositories.find((r) => r.fullName.toLowerCase() === fullName.toLowerCase());
  }

  /** Removes the fake's interceptors (strict nock's cleanAll does it too). */
  dispose(): void {
    for (const interceptor of this.#interceptors) nock.removeInterceptor(interceptor);
    this.#interceptors = [];
  }

  // ---------------------------------------------------------------- requests

  counts(): RequestCounts {
    const counted = this.requests.filter((r) => r.kind !== "auth");
    const byRoute: Record<string, number> = {};
    for (const r of counted) byRoute[r.route] = (byRoute[r.route] ?? 0) + 1;
    return {
      reads: counted.filter((r) => r.kind === "read").length,
      writes: counted.filter((r) => r.kind === "write").length,
      redundantWrites: counted.filter((r) => r.redundant).length,
      byRoute,
    };
  }

  /** Forgets the requests so far (counts start again from zero). */
  resetCounts(): void {
    this.requests.length = 0;
  }

  /**
   * Answers the next request(s) of a route with an error instead of the state (nothing is
   * applied). `route` is "METHOD /template" as in `counts().byRoute`, e.g.
   * failNext("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", { status: 403, headers: { "retry-after": "30" } }).
   */
  failNext(route: string, fault: FaultSpec): void {
    if (!allRoutes().some((r) => `${r.method} ${r.template}` === route)) {
      throw new Error(
        `FakeGitHub.failNext: no route "${route}" (known: ${allRoutes()
          .map((r) => `${r.method} ${r.template}`)
          .join(", ")})`,
      );
    }
    this.#faults.set(route, { ...fault, remaining: fault.times ?? 1 });
  }

  /** Models GitHub's secondary limit on content creation (see content-limit.ts). */
  limitContentCreation(limit: ContentLimit): void {
    this.contentLimit = limit;
  }

  /** Ends the failures failNext set on a route: GitHub answers it normally again. */
  heal(route: string): void {
    this.#faults.delete(route);
  }

  // ---------------------------------------------------------------- webhooks

  /** The webhooks GitHub would send and that were not delivered yet, oldest first. */
  get pendingWebhooks(): readonly QueuedWebhook[] {
    return this.#webhooks;
  }

  /** Forgets the queued webhooks (missed deliveries); returns them. */
  dropWebhooks(): QueuedWebhook[] {
    return this.#webhooks.splice(0);
  }

  /** Queues `installation.created` for this installation and its repositories. */
  install(as: UserSpec = { login: this.target.info.owner, id: this.target.info.owner === OWNER ? 21031067 : undefined }): void {
    const example = examplePayload<{ installation: Json }>("installation", "created");
    const account = userObject({ login: this.target.info.owner, id: this.target.info.owner === OWNER ? 21031067 : undefined });
    const payload: Json = {
      action: "created",
      installation: {
        ...example.installation,
        id: this.installationId,
        node_id: installationNodeId(this.installationId),
        account,
        app_id: TEST_APP_ID,
        app_slug: APP_SLUG,
        target_id: account.id,
        access_tokens_url: `${GITHUB_API}/app/installations/${this.installationId}/access_tokens`,
        html_url: `https://github.com/settings/installations/${this.installationId}`,
      },
      repositories: this.repositories.map((r) => ({
        id: r.info.id,
        node_id: r.info.nodeId,
        name: r.info.name,
        full_name: r.fullName,
        private: r.info.private,
      })),
      requester: null,
      sender: userObject(as),
    };
    this.queue("installation", payload, as);
  }

  /**
   * Posts the webhooks queued when called, in order, signed with the test secret, to the app
   * on `port`; with `includeAppEcho: false` the echoes of the app's own writes are dropped.
   * Webhooks queued meanwhile stay queued. Pushes made to pull requests' heads outside the fake
   * (the app's runner) are noticed first and queued as `pull_request.synchronize` by the app.
   */
  async deliver(port: number, { includeAppEcho = true }: { includeAppEcho?: boolean } = {}): Promise<DeliveryResult[]> {
    this.syncWithGit();
    const batch = this.#webhooks.splice(0);
    const results: DeliveryResult[] = [];
    for (const webhook of batch) {
      if (!includeAppEcho && webhook.fromApp) continue;
      const started = Date.now();
      let response: Awaited<ReturnType<typeof postDelivery>>;
      try {
        response = await postDelivery(port, webhook.event, webhook.payload, { deliveryId: webhook.deliveryId });
      } catch (error) {
        this.#logAttempt(webhook, 0, "failed to connect to host", started);
        throw error;
      }
      this.#logAttempt(webhook, response.status, response.status >= 200 && response.status < 300 ? "OK" : `Invalid HTTP Response: ${response.status}`, started);
      results.push({ deliveryId: webhook.deliveryId, event: webhook.event, action: webhook.action, fromApp: webhook.fromApp, ...response });
    }
    return results;
  }

  /** The App webhook deliveries API's log, oldest first. */
  get hookDeliveries(): readonly HookDeliveryAttempt[] {
    return this.#attempts.map((a) => a.attempt);
  }

  /** `POST /app/hook/deliveries/{id}/attempts`: the delivery is queued again, under its guid. */
  redeliver(attemptId: number): boolean {
    const found = this.#attempts.find((a) => a.attempt.id === attemptId);
    if (!found) return false;
    this.#webhooks.push({ ...found.webhook, redelivery: true });
    return true;
  }

  #logAttempt(webhook: QueuedWebhook, statusCode: number, status: string, started: number): void {
    const repository = (webhook.payload.repository as { id?: number } | undefined)?.id ?? null;
    this.#attempts.push({
      webhook,
      attempt: {
        id: this.#attempts.length + 1,
        guid: webhook.deliveryId,
        delivered_at: new Date(started).toISOString().replace(/\.\d{3}Z$/, "Z"),
        redelivery: webhook.redelivery === true,
        duration: (Date.now() - started) / 1000,
        status_code: statusCode,
        status,
        event: webhook.event,
        action: webhook.action ?? null,
        installation_id: this.installationId,
        repository_id: repository,
      },
    });
  }

  /** Delivers, lets the app settle, and again, until no webhook is left (the app's echoes included). */
  async converge(port: number, settle: () => Promise<void>, { maxRounds = 20 }: { maxRounds?: number } = {}): Promise<DeliveryResult[]> {
    const all: DeliveryResult[] = [];
    for (let round = 0; round < maxRounds; round++) {
      all.push(...(await this.deliver(port)));
      await settle();
      if (this.#webhooks.length === 0) return all;
    }
    throw new Error(`FakeGitHub.converge: webhooks kept coming after ${maxRounds} rounds`);
  }

  /**
   * Notices pushes to open pull requests' heads made outside the fake, in every git-backed
   * repository (`pull_request.synchronize`, sent by `as`: by default the app's bot, since people
   * push through `pushToBranch`). Done by itself before each request and delivery.
   */
  syncWithGit(as: UserSpec = APP_BOT): void {
    for (const repository of this.repositories) repository.pullRequests.syncWithGit(as);
  }

  // ---------------------------------------------------------------- Hub (used by repositories)

  now(): string {
    // Strictly increasing by a second per change, so updated_at orders every change.
    this.#clock = Math.max(this.#clock + 1000, Date.now());
    return timestamp(new Date(this.#clock));
  }

  nextId(): number {
    return this.#nextId++;
  }

  queue(event: string, payload: Json, actor: UserSpec): void {
    this.#webhooks.push({
      deliveryId: crypto.randomUUID(),
      event,
      action: typeof payload.action === "string" ? payload.action : undefined,
      payload: structuredClone(payload),
      fromApp: isBot(actor),
    });
  }

  envelope(repo: FakeRepository, sender: UserSpec): Json {
    return {
      repository: repositoryObject(repo.info),
      sender: userObject(sender),
      installation: { id: this.installationId, node_id: installationNodeId(this.installationId) },
    };
  }

  issueById(id: number): { repo: FakeRepository; issue: IssueState } | undefined {
    return this.allIssues().find(({ issue }) => issue.id === id);
  }

  allIssues(): { repo: FakeRepository; issue: IssueState }[] {
    return this.repositories.flatMap((repo) => [...repo.issues.values()].map((issue) => ({ repo, issue })));
  }

  // ---------------------------------------------------------------- HTTP

  /**
   * Answers one request as the interceptors do (`url` is the API path with its query string), or
   * undefined when the fake holds nothing it names: for another transport (http-server.ts serves
   * the fake over real HTTP to an app in another process).
   */
  respond(method: string, url: string, body: unknown, headers: Record<string, string>): nock.ReplyFnResult | undefined {
    return this.find(method, url) ? this.answer(method, url, body, headers) : undefined;
  }

  private intercept(): void {
    const scope = nock(GITHUB_API).persist();
    const fake = this; // the reply function's `this` is nock's interceptor
    for (const method of METHODS) {
      const interceptor = scope.intercept((uri: string) => fake.find(method, uri) !== undefined, method).optionally();
      interceptor.reply(function (uri, body) {
        return fake.answer(method, uri, body, this.req.headers);
      });
      this.#interceptors.push(interceptor);
    }
  }

  private find(method: string, url: string): { route: Route; params: Record<string, string> } | undefined {
    const { path } = splitUrl(url);
    for (const route of allRoutes()) {
      if (route.method !== method) continue;
      const params = matchTemplate(route.compiled, path);
      if (params && route.claims(params, this)) return { route, params };
    }
    return undefined;
  }

  private answer(method: string, url: string, rawBody: unknown, headers: Record<string, string>): nock.ReplyFnResult {
    const found = this.find(method, url)!;
    const { path, query } = splitUrl(url);
    const body = rawBody === "" || rawBody === undefined ? undefined : rawBody;
    recordAnsweredRequest({ method, path: url, body });
    const key = `${method} ${found.route.template}`;
    const record: FakeRequest = { method, path, query, route: key, body, kind: found.route.kind, redundant: false, status: 0, injected: false };
    this.requests.push(record);

    const retryAfter = this.contentLimit?.admit(method, found.route.kind);
    if (retryAfter !== undefined && retryAfter !== null) {
      record.status = 403;
      record.injected = true;
      return reply(403, errorBody("You have exceeded a secondary rate limit. Please wait a few minutes before you try again."), {
        "retry-after": String(retryAfter),
      });
    }
    const fault = this.#faults.get(key);
    if (fault && !fault.applied) {
      if (--fault.remaining <= 0) this.#faults.delete(key);
      record.status = fault.status;
      record.injected = true;
      return reply(fault.status, fault.body ?? errorBody(fault.status >= 500 ? "Server Error" : "Injected failure"), fault.headers);
    }
    const { owner, repo } = found.params;
    const repository = owner !== undefined && repo !== undefined ? this.repository(`${owner}/${repo}`) : undefined;
    this.syncWithGit();
    try {
      const response = found.route.handle({ host: this, repo: repository, params: found.params, query, body, headers, path });
      if (fault?.applied) {
        // Done, but the answer is lost: the caller sees only the error.
        if (--fault.remaining <= 0) this.#faults.delete(key);
        record.status = fault.status;
        record.injected = true;
        return reply(fault.status, fault.body ?? errorBody(fault.status >= 500 ? "Server Error" : "Injected failure"), fault.headers);
      }
      record.status = response.status;
      record.kind = response.kind ?? record.kind;
      record.redundant = record.kind === "write" && Boolean(response.redundant);
      return reply(response.status, response.body, response.headers);
    } catch (error) {
      if (!(error instanceof GitHubError)) throw error;
      // An error answered from the state: the write changed nothing.
      record.status = error.status;
      record.redundant = record.kind === "write";
      return reply(error.status, error.body);
    }
  }
}

function reply(status: number, body: unknown, headers: Record<string, string> = {}): nock.ReplyFnResult {
  if (body === undefined) return [status, "", headers];
  if (typeof body === "string") return [status, body, headers];
  return [status, JSON.stringify(body), { "content-type": "application/json; charset=utf-8", ...headers }];
}
