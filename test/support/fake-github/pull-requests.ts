/**
 * The pull requests of one fake repository: their state, reviews, check runs and branch
 * protection, the changes GitHub makes to them (each queueing the webhooks GitHub would send),
 * and their objects as GitHub renders them.
 *
 * Git-backed when the repository's `cloneUrl` is a local bare repository (`createBareRemote`):
 * branches and head shas are read from it, conflicts are `git merge-tree --write-tree`, and a
 * merge really writes the merge (or squashed) commit and moves the base branch with
 * `git update-ref`. Pushes to a pull request's head made outside the fake (the app's runner) are
 * noticed on the next request or delivery and sent as `pull_request.synchronize` by the app's bot.
 * Without a bare repository every branch exists, shas are made up, and nothing conflicts.
 *
 * A pull request is also an issue (same number sequence, labels, comments, assignees,
 * milestone): its issue half lives in `FakeRepository.issues`, and the issue changes of a pull
 * request are sent as `pull_request` webhooks (labeled, edited, closed…), as GitHub does.
 */
import { createHash } from "node:crypto";
import { APP_BOT, ACTIONS_BOT, actionsAppObject, apiUrl, appObject, errorBody, labelObject, repositoryObject, userId, userObject, webUrl } from "./objects.js";
import { GitHubError, isBot, notFound, validationFailed } from "./errors.js";
import { BareGit, type GitPerson } from "./git.js";
import type { FakeRepository, Hub } from "./repository.js";
import type {
  AutoMergeState,
  BranchProtection,
  CheckConclusion,
  CheckRunState,
  CheckStatus,
  IssueState,
  LineComment,
  MergeMethod,
  PullRequestInfo,
  PullRequestState,
  ReviewCommentState,
  ReviewState,
  UserSpec,
} from "./types.js";

type Json = Record<string, unknown>;

/** A GraphQL error (answered with status 200 and `errors`), thrown by the mutations. */
export class GraphQLFailure extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PullInput {
  title: string;
  /** "branch" or "owner:branch" (forks are not emulated). */
  head: string;
  base: string;
  body?: string | null;
  draft?: boolean;
  maintainerCanModify?: boolean;
}

export interface PullPatch {
  title?: string;
  body?: string | null;
  state?: "open" | "closed";
  base?: string;
  maintainerCanModify?: boolean;
}

export interface MergeInput {
  /** The head the merger saw: 409 when the head is elsewhere now. */
  sha?: string;
  method?: MergeMethod;
  commitTitle?: string;
  commitMessage?: string;
  /** The merge queue (or auto-merge through it) merges: a "require merge queue" rule lets it. */
  viaQueue?: boolean;
}

export interface ReviewInput {
  /** Without an event the review stays PENDING (no webhook), as on GitHub. */
  event?: "APPROVE" | "REQUEST_CHANGES" | "COMMENT";
  body?: string | null;
  /** Defaults to the current head. */
  commitId?: string;
  comments?: LineComment[];
}

export interface CheckRunInput {
  name: string;
  headSha: string;
  status?: CheckStatus;
  conclusion?: CheckConclusion | null;
  output?: { title?: string | null; summary?: string | null; text?: string | null };
  detailsUrl?: string | null;
  externalId?: string | null;
  startedAt?: string;
  completedAt?: string;
}

export type MergeabilityState = "clean" | "dirty" | "blocked" | "draft" | "unstable" | "unknown";

export interface Mergeability {
  state: MergeabilityState;
  mergeable: boolean | null;
  /** Paths that conflict when the head is merged into the base (git-backed only). */
  conflicts: string[];
  /** Branch protection requirements the pull request does not meet. */
  unmet: string[];
}

const CLOSING_KEYWORDS = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?\s+(?:([\w.-]+\/[\w.-]+))?#(\d+)\b/gi;
const PASSING: readonly (CheckConclusion | null)[] = ["success", "neutral", "skipped"];
const NOT_MERGEABLE = "Pull Request is not mergeable";
const GITHUB_COMMITTER = { name: "GitHub", email: "noreply@github.com" };

export class PullRequests {
  readonly pulls = new Map<number, PullRequestState>();
  readonly reviews = new Map<number, ReviewState>();
  readonly reviewComments = new Map<number, ReviewCommentState>();
  readonly checkRuns: CheckRunState[] = [];
  readonly protections = new Map<string, BranchProtection>();
  allowAutoMerge: boolean;
  /** Pull requests whose next REST reads answer `mergeable: null` (GitHub still working it out), and how many. */
  readonly mergeabilityPending = new Map<number, number>();
  #suites = new Map<string, number>();
  #madeUpBranches = new Map<string, string>();
  #git: BareGit | undefined;

  constructor(
    private readonly repo: FakeRepository,
    private readonly hub: Hub,
    private readonly idBase: number,
    options: { allowAutoMerge?: boolean } = {},
  ) {
    this.allowAutoMerge = options.allowAutoMerge ?? true;
  }

  /** The bare repository behind `cloneUrl`, when there is one (looked up until found). */
  get git(): BareGit | undefined {
    this.#git ??= BareGit.open(this.repo.info.cloneUrl);
    return this.#git;
  }

  // ---------------------------------------------------------------- lookups

  get(number: number): PullRequestState {
    const pr = this.pulls.get(number);
    if (!pr) throw notFound();
    return pr;
  }

  has(number: number): boolean {
    return this.pulls.has(number);
  }

  byNodeId(nodeId: string): PullRequestState | undefined {
    return [...this.pulls.values()].find((pr) => nodeIdOf(pr) === nodeId);
  }

  issueOf(pr: PullRequestState): IssueState {
    return this.repo.issues.get(pr.number)!;
  }

  isOpen(pr: PullRequestState): boolean {
    return this.issueOf(pr).state === "open";
  }

  open(): PullRequestState[] {
    return [...this.pulls.values()].filter((pr) => this.isOpen(pr));
  }

  info(pr: PullRequestState): PullRequestInfo {
    const issue = this.issueOf(pr);
    return structuredClone({
      ...pr,
      nodeId: nodeIdOf(pr),
      title: issue.title,
      body: issue.body,
      state: issue.state,
      user: issue.user,
      labels: issue.labels,
      createdAt: issue.createdAt,
      updatedAt: issue.updatedAt,
      closedAt: issue.closedAt,
    });
  }

  reviewsOn(number: number): ReviewState[] {
    return [...this.reviews.values()].filter((r) => r.pullNumber === number);
  }

  review(number: number, id: number): ReviewState {
    const review = this.reviews.get(id);
    if (!review || review.pullNumber !== number) throw notFound();
    return review;
  }

  reviewCommentsOn(number: number, reviewId?: number): ReviewCommentState[] {
    return [...this.reviewComments.values()].filter((c) => c.pullNumber === number && (reviewId === undefined || c.reviewId === reviewId));
  }

  checkRun(id: number): CheckRunState {
    const run = this.checkRuns.find((r) => r.id === id);
    if (!run) throw notFound();
    return run;
  }

  // ---------------------------------------------------------------- branches

  /** A branch's tip: from the bare repository; without one, every branch exists with a made-up sha. */
  branchSha(branch: string): string | undefined {
    const git = this.git;
    if (git) return git.branchSha(branch);
    return this.#madeUpBranches.get(branch) ?? madeUpSha(`${this.repo.fullName}\0${branch}`);
  }

  /** A commit sha, or a branch name resolved to its tip. */
  resolveCommit(ref: string): string | undefined {
    const git = this.git;
    if (git) return git.resolveCommit(ref);
    return /^[0-9a-f]{40}$/i.test(ref) ? ref.toLowerCase() : this.branchSha(ref);
  }

  fileAt(branch: string, path: string): string | undefined {
    const git = this.git;
    if (!git) throw new Error(`FakeGitHub: ${this.repo.fullName} has no bare repository (cloneUrl ${this.repo.info.cloneUrl})`);
    return git.fileAt(`refs/heads/${branch}`, path);
  }

  /** A person pushes one commit to `branch` (made from the default branch when missing); returns its sha. */
  push(branch: string, files: Record<string, string | null>, message: string, actor: UserSpec): string {
    const git = this.git;
    let sha: string;
    if (git) {
      const parent = git.branchSha(branch) ?? git.branchSha(this.repo.info.defaultBranch);
      if (!parent) throw new Error(`FakeGitHub: ${git.dir} has neither ${branch} nor ${this.repo.info.defaultBranch}`);
      sha = git.commitFiles(branch, parent, files, message, this.person(actor));
    } else {
      sha = madeUpSha(`${this.branchSha(branch)}\0${message}\0${JSON.stringify(files)}`);
      this.#madeUpBranches.set(branch, sha);
    }
    this.branchMoved(branch, sha, actor);
    this.autoMergeSweep();
    return sha;
  }

  /**
   * Notices branches moved outside the fake (the app's runner pushing to the bare repository):
   * open pull requests on a moved head get `synchronize`, sent by `actor` (the app's bot).
   */
  syncWithGit(actor: UserSpec = APP_BOT): void {
    const git = this.git;
    const open = this.open();
    if (!git || open.length === 0) return;
    const tips = git.branches();
    let moved = false;
    for (const pr of open) {
      const head = tips.get(pr.head.ref);
      if (head && head !== pr.head.sha) {
        this.headMoved(pr, head, actor);
        moved = true;
      }
      const base = tips.get(pr.base.ref);
      if (base) pr.base.sha = base;
    }
    if (moved) this.autoMergeSweep();
  }

  private branchMoved(branch: string, sha: string, actor: UserSpec): void {
    for (const pr of this.open()) {
      if (pr.base.ref === branch) pr.base.sha = sha;
      if (pr.head.ref === branch && pr.head.sha !== sha) this.headMoved(pr, sha, actor);
    }
  }

  private headMoved(pr: PullRequestState, sha: string, actor: UserSpec): void {
    const before = pr.head.sha;
    pr.head.sha = sha;
    this.repo.touch(this.issueOf(pr));
    if (this.protectionFor(pr.base.ref)?.dismissStaleReviews) {
      for (const review of this.reviewsOn(pr.number)) {
        if (review.state === "APPROVED" && review.commitId !== sha) this.dismiss(pr, review, "Stale review dismissed by a push", actor);
      }
    }
    this.queuePull("synchronize", pr, actor, { before, after: sha });
    // GitHub keeps auto-merge on through a writer's push (`expectedHeadOid` is checked when it is
    // enabled, not later), and turns it off when someone without write access pushes.
    if (pr.autoMerge && !isBot(actor) && !this.canWrite(actor)) this.disableAutoMerge(pr, actor);
    // A push takes the pull request out of the merge queue.
    if (pr.mergeQueueEntry) this.dequeue(pr, actor);
  }

  // ---------------------------------------------------------------- protection

  protect(branch: string, rule: BranchProtection): void {
    this.protections.set(branch, { ...rule });
    this.autoMergeSweep();
  }

  /** The rule for a branch: its name, else the first pattern (`*` wildcards) that fits. */
  protectionFor(branch: string): BranchProtection | undefined {
    const exact = this.protections.get(branch);
    if (exact) return exact;
    for (const [pattern, rule] of this.protections) {
      if (!pattern.includes("*")) continue;
      const re = new RegExp(
        `^${pattern
          .split("*")
          .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join("[^/]*")}$`,
      );
      if (re.test(branch)) return rule;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- pull requests

  create(input: PullInput, actor: UserSpec): PullRequestState {
    if (!input.title) throw validationFailed("Validation Failed", [{ resource: "PullRequest", code: "missing_field", field: "title" }]);
    const head = this.headBranch(input.head);
    const invalid = (field: string) => validationFailed("Validation Failed", [{ resource: "PullRequest", field, code: "invalid" }]);
    if (!input.base) throw validationFailed("Validation Failed", [{ resource: "PullRequest", code: "missing_field", field: "base" }]);
    const headSha = this.branchSha(head);
    if (!headSha) throw invalid("head");
    const baseSha = this.branchSha(input.base);
    if (!baseSha) throw invalid("base");
    if (this.open().some((pr) => pr.head.ref === head && pr.base.ref === input.base)) {
      throw validationFailed("Validation Failed", [
        { resource: "PullRequest", code: "custom", message: `A pull request already exists for ${this.repo.info.owner}:${head}.` },
      ]);
    }
    if (head === input.base || this.git?.isAncestor(headSha, baseSha)) {
      throw validationFailed("Validation Failed", [{ resource: "PullRequest", code: "custom", message: `No commits between ${input.base} and ${head}` }]);
    }
    const issue = this.repo.newIssue(input.title, input.body ?? null, actor);
    const pr: PullRequestState = {
      number: issue.number,
      id: this.idBase + issue.number,
      head: { ref: head, sha: headSha },
      base: { ref: input.base, sha: baseSha },
      draft: input.draft ?? false,
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      requestedReviewers: [],
      requestedTeams: [],
      maintainerCanModify: input.maintainerCanModify ?? !isBot(actor),
      autoMerge: null,
      mergeQueueEntry: null,
    };
    this.pulls.set(pr.number, pr);
    this.queuePull("opened", pr, actor);
    return pr;
  }

  /** Applies a pull request PATCH; returns whether anything changed. */
  update(number: number, patch: PullPatch, actor: UserSpec): boolean {
    const pr = this.get(number);
    const issue = this.issueOf(pr);
    const changes: Json = {};
    if (patch.title !== undefined && patch.title !== issue.title) {
      changes.title = { from: issue.title };
      issue.events.push(this.repo.event("renamed", actor, { rename: { from: issue.title, to: patch.title } }));
      issue.title = patch.title;
    }
    if (patch.body !== undefined && patch.body !== issue.body) {
      changes.body = { from: issue.body ?? "" };
      issue.body = patch.body;
    }
    if (patch.base !== undefined && patch.base !== pr.base.ref) {
      if (!this.isOpen(pr))
        throw validationFailed("Validation Failed", [
          { resource: "PullRequest", code: "custom", field: "base", message: "Cannot change the base branch of a closed pull request." },
        ]);
      const sha = this.branchSha(patch.base);
      if (!sha) throw validationFailed("Validation Failed", [{ resource: "PullRequest", field: "base", code: "invalid" }]);
      changes.base = { ref: { from: pr.base.ref }, sha: { from: pr.base.sha } };
      pr.base = { ref: patch.base, sha };
    }
    let changed = false;
    if (patch.maintainerCanModify !== undefined && patch.maintainerCanModify !== pr.maintainerCanModify) {
      pr.maintainerCanModify = patch.maintainerCanModify;
      changed = true;
    }
    if (Object.keys(changes).length > 0) {
      this.repo.touch(issue);
      this.queuePull("edited", pr, actor, { changes });
      changed = true;
    }
    if (patch.state !== undefined && patch.state !== issue.state) {
      if (patch.state === "open") {
        if (pr.merged)
          throw validationFailed("Validation Failed", [
            { resource: "PullRequest", code: "custom", field: "state", message: "state cannot be changed. The pull request has been merged." },
          ]);
        if (this.open().some((o) => o.head.ref === pr.head.ref && o.base.ref === pr.base.ref)) {
          throw validationFailed("Validation Failed", [
            {
              resource: "PullRequest",
              code: "custom",
              field: "state",
              message: `state cannot be changed. There is already an open pull request from ${pr.head.ref} to ${pr.base.ref}.`,
            },
          ]);
        }
      }
      this.repo.updateIssue(number, { state: patch.state }, actor);
      if (patch.state === "open") {
        const head = this.branchSha(pr.head.ref);
        if (head && head !== pr.head.sha) this.headMoved(pr, head, actor);
      }
      changed = true;
    }
    return changed;
  }

  setDraft(pr: PullRequestState, draft: boolean, actor: UserSpec): boolean {
    if (!this.isOpen(pr)) throw new GraphQLFailure("UNPROCESSABLE", "Pull request is closed");
    if (pr.draft === draft) return false;
    pr.draft = draft;
    this.repo.touch(this.issueOf(pr));
    this.queuePull(draft ? "converted_to_draft" : "ready_for_review", pr, actor);
    if (!draft) this.autoMergeSweep();
    return true;
  }

  /** Called by the repository before it queues the issue's `closed` (`merged` is already set for a merge). */
  onClosed(number: number): void {
    const pr = this.pulls.get(number);
    if (pr) pr.autoMerge = null;
  }

  // ---------------------------------------------------------------- mergeability and merging

  mergeability(pr: PullRequestState): Mergeability {
    if (!this.isOpen(pr)) return { state: "unknown", mergeable: null, conflicts: [], unmet: [] };
    const conflicts = this.conflicts(pr);
    const unmet = this.unmetRequirements(pr);
    let state: MergeabilityState = "clean";
    if (conflicts.length > 0) state = "dirty";
    else if (pr.draft) state = "draft";
    else if (unmet.length > 0) state = "blocked";
    else if (this.latestRuns(pr.head.sha).some((r) => r.status === "completed" && !PASSING.includes(r.conclusion))) state = "unstable";
    return { state, mergeable: conflicts.length === 0, conflicts, unmet };
  }

  private conflicts(pr: PullRequestState): string[] {
    const git = this.git;
    if (!git) return [];
    const base = git.branchSha(pr.base.ref);
    if (!base) return [];
    return git.mergeTree(base, pr.head.sha).conflicts;
  }

  /** What branch protection still requires (empty when unprotected or met). */
  unmetRequirements(pr: PullRequestState): string[] {
    const rule = this.protectionFor(pr.base.ref);
    if (!rule) return [];
    const unmet: string[] = [];
    const required = rule.requiredApprovals ?? 0;
    if (required > 0) {
      const latest = this.latestReviews(pr).filter((r) => this.canWrite(r.user));
      const approvals = latest.filter((r) => r.state === "APPROVED" && (!rule.dismissStaleReviews || r.commitId === pr.head.sha)).length;
      if (latest.some((r) => r.state === "CHANGES_REQUESTED")) unmet.push("Changes were requested by a reviewer with write access.");
      if (approvals < required) unmet.push(`At least ${required} approving review${required === 1 ? " is" : "s are"} required by reviewers with write access.`);
    }
    const runs = this.latestRuns(pr.head.sha);
    for (const name of rule.requiredChecks ?? []) {
      const run = runs.find((r) => r.name === name);
      if (!run) unmet.push(`Required status check "${name}" is expected.`);
      else if (run.status !== "completed") unmet.push(`Required status check "${name}" is in progress.`);
      else if (!PASSING.includes(run.conclusion)) unmet.push(`Required status check "${name}" has not succeeded (${run.conclusion}).`);
    }
    return unmet;
  }

  /** Each reviewer's latest review that counts for approval (approved, changes requested, dismissed). */
  private latestReviews(pr: PullRequestState): ReviewState[] {
    const latest = new Map<string, ReviewState>();
    for (const review of this.reviewsOn(pr.number)) {
      if (review.state === "APPROVED" || review.state === "CHANGES_REQUESTED" || review.state === "DISMISSED") {
        latest.set(review.user.login.toLowerCase(), review);
      }
    }
    return [...latest.values()];
  }

  private canWrite(user: UserSpec): boolean {
    if (user.login.toLowerCase() === this.repo.info.owner.toLowerCase()) return true;
    const role = this.repo.role(user.login);
    return role === "write" || role === "maintain" || role === "admin";
  }

  /**
   * Merges as GitHub's merge button: 405 unless open, ready, free of conflicts and meeting branch
   * protection; 409 when `sha` is not the head. "merge" writes a merge commit (base, head),
   * "squash" one commit with the merged tree on the base; "rebase" is a squash that keeps the
   * head's commit messages (one commit: the fake does not replay commits one by one).
   */
  merge(number: number, input: MergeInput, actor: UserSpec): { sha: string; merged: true; message: string } {
    const pr = this.get(number);
    const issue = this.issueOf(pr);
    if (pr.merged || issue.state !== "open") throw new GitHubError(405, errorBody(NOT_MERGEABLE));
    if (input.sha !== undefined && input.sha !== pr.head.sha) {
      throw new GitHubError(409, errorBody("Head branch was modified. Review and try the merge again."));
    }
    const state = this.mergeability(pr).state;
    if (state === "dirty" || state === "draft" || state === "blocked") throw new GitHubError(405, errorBody(NOT_MERGEABLE));
    if (this.protectionFor(pr.base.ref)?.mergeQueue && !input.viaQueue) throw new GitHubError(405, errorBody("Changes must be made through the merge queue"));
    const method = input.method ?? "merge";
    const { sha, baseBefore } = this.writeMerge(pr, method, input, actor);

    pr.merged = true;
    pr.mergedAt = this.hub.now();
    pr.mergedBy = actor;
    pr.mergeCommitSha = sha;
    pr.base.sha = baseBefore;
    issue.events.push(this.repo.event("merged", actor));
    this.repo.updateIssue(number, { state: "closed" }, actor); // queues pull_request.closed (merged)
    if (pr.base.ref === this.repo.info.defaultBranch) this.closeReferencedIssues(issue.body, actor);
    this.branchMoved(pr.base.ref, sha, actor); // a pull request whose head is this base: synchronize
    this.autoMergeSweep();
    return { sha, merged: true, message: "Pull Request successfully merged" };
  }

  private writeMerge(pr: PullRequestState, method: MergeMethod, input: MergeInput, actor: UserSpec): { sha: string; baseBefore: string } {
    const issue = this.issueOf(pr);
    const git = this.git;
    if (!git) {
      const baseBefore = this.branchSha(pr.base.ref)!;
      const sha = madeUpSha(`${baseBefore}\0${pr.head.sha}\0${method}`);
      this.#madeUpBranches.set(pr.base.ref, sha);
      return { sha, baseBefore };
    }
    const person = this.person(actor);
    const committer = { ...GITHUB_COMMITTER, time: person.time };
    for (let attempt = 0; attempt < 2; attempt++) {
      const base = git.branchSha(pr.base.ref);
      if (!base) throw new GitHubError(405, errorBody(NOT_MERGEABLE));
      const { tree, conflicts } = git.mergeTree(base, pr.head.sha);
      if (conflicts.length > 0) throw new GitHubError(405, errorBody(NOT_MERGEABLE));
      const commits = git.commitsBetween(base, pr.head.sha);
      let message: string;
      let parents: string[];
      if (method === "merge") {
        parents = [base, pr.head.sha];
        message = `${input.commitTitle ?? `Merge pull request #${pr.number} from ${this.repo.info.owner}/${pr.head.ref}`}\n\n${input.commitMessage ?? issue.title}`;
      } else if (method === "squash") {
        parents = [base];
        const body = commits.map((c) => `* ${c.message}`).join("\n\n");
        message = `${input.commitTitle ?? `${issue.title} (#${pr.number})`}\n\n${input.commitMessage ?? body}`;
      } else {
        parents = [base];
        message = commits.map((c) => c.message).join("\n\n") || issue.title;
      }
      const sha = git.commitTree(tree, parents, message.trimEnd(), person, committer);
      if (git.updateRef(pr.base.ref, sha, base)) return { sha, baseBefore: base };
    }
    throw new GitHubError(409, errorBody("Base branch was modified. Review and try the merge again."));
  }

  /** "Fixes #12", "closes owner/repo#3"…: closes those issues (not pull requests) as `actor`. */
  private closeReferencedIssues(body: string | null, actor: UserSpec): void {
    if (!body) return;
    for (const m of body.matchAll(CLOSING_KEYWORDS)) {
      const target = m[1] ? this.hub.repository(m[1]) : this.repo;
      const issue = target?.issues.get(Number(m[2]));
      if (!target || !issue || issue.gone || issue.state !== "open" || target.pullRequests.has(issue.number)) continue;
      target.updateIssue(issue.number, { state: "closed", stateReason: "completed" }, actor);
    }
  }

  // ---------------------------------------------------------------- auto-merge

  enableAutoMerge(
    pr: PullRequestState,
    input: { mergeMethod?: MergeMethod; expectedHeadOid?: string | null; commitHeadline?: string | null; commitBody?: string | null },
    actor: UserSpec,
  ): void {
    if (!this.allowAutoMerge) throw new GraphQLFailure("UNPROCESSABLE", "Pull request Auto merge is not allowed for this repository");
    if (!this.isOpen(pr)) throw new GraphQLFailure("UNPROCESSABLE", "Pull request is closed");
    if (input.expectedHeadOid && input.expectedHeadOid !== pr.head.sha) {
      throw new GraphQLFailure("UNPROCESSABLE", "Pull request head commit does not match the expected head oid");
    }
    const state = this.mergeability(pr).state;
    if (state === "clean" || state === "unstable" || state === "draft") {
      // GitHub only takes auto-merge for a pull request that is waiting for something.
      throw new GraphQLFailure("UNPROCESSABLE", `Pull request is in ${state} status`);
    }
    const autoMerge: AutoMergeState = {
      mergeMethod: input.mergeMethod ?? "merge",
      enabledBy: actor,
      enabledAt: this.hub.now(),
      expectedHeadOid: input.expectedHeadOid ?? null,
      commitHeadline: input.commitHeadline ?? null,
      commitBody: input.commitBody ?? null,
    };
    const had = pr.autoMerge !== null;
    pr.autoMerge = autoMerge;
    if (!had) this.queuePull("auto_merge_enabled", pr, actor);
  }

  disableAutoMerge(pr: PullRequestState, actor: UserSpec): boolean {
    if (!pr.autoMerge) return false;
    pr.autoMerge = null;
    this.queuePull("auto_merge_disabled", pr, actor, {
      reason: isBot(actor) || this.canWrite(actor) ? "Auto-merge was disabled" : "Auto-merge was disabled by a push from a user without write access",
    });
    return true;
  }

  /** Merges every open pull request whose auto-merge is on, or that is in the merge queue, and whose requirements are now met. */
  autoMergeSweep(): void {
    for (const pr of this.open()) {
      if (!pr.autoMerge && !pr.mergeQueueEntry) continue;
      const state = this.mergeability(pr).state;
      if (state !== "clean" && state !== "unstable") continue;
      const auto = pr.autoMerge;
      const by = auto?.enabledBy ?? pr.mergeQueueEntry!.enqueuedBy;
      try {
        this.merge(
          pr.number,
          { method: auto?.mergeMethod, commitTitle: auto?.commitHeadline ?? undefined, commitMessage: auto?.commitBody ?? undefined, viaQueue: true },
          by,
        );
        pr.mergeQueueEntry = null;
      } catch (error) {
        if (!(error instanceof GitHubError)) throw error;
      }
    }
  }

  // ---------------------------------------------------------------- merge queue

  /** `enqueuePullRequest`: only where the base requires a merge queue; the head guarded like auto-merge's. */
  enqueue(pr: PullRequestState, input: { expectedHeadOid?: string | null }, actor: UserSpec): boolean {
    if (!this.protectionFor(pr.base.ref)?.mergeQueue) {
      throw new GraphQLFailure("UNPROCESSABLE", "Pull request could not be enqueued: merge queue not enabled for the base branch");
    }
    if (!this.isOpen(pr)) throw new GraphQLFailure("UNPROCESSABLE", "Pull request is closed");
    if (input.expectedHeadOid && input.expectedHeadOid !== pr.head.sha) {
      throw new GraphQLFailure("UNPROCESSABLE", "Pull request head commit does not match the expected head oid");
    }
    const state = this.mergeability(pr).state;
    if (state === "dirty" || state === "draft") throw new GraphQLFailure("UNPROCESSABLE", `Pull request is in ${state} status`);
    if (pr.mergeQueueEntry) return false;
    pr.mergeQueueEntry = { enqueuedBy: actor, enqueuedAt: this.hub.now(), expectedHeadOid: input.expectedHeadOid ?? null };
    this.queuePull("enqueued", pr, actor);
    this.autoMergeSweep();
    return true;
  }

  private dequeue(pr: PullRequestState, actor: UserSpec): void {
    pr.mergeQueueEntry = null;
    this.queuePull("dequeued", pr, actor, { reason: "Pull request head changed" });
  }

  // ---------------------------------------------------------------- review requests

  /** Returns whether anything was added. */
  requestReviewers(number: number, logins: string[], teams: string[], actor: UserSpec): boolean {
    const pr = this.get(number);
    const author = this.issueOf(pr).user;
    for (const login of logins) {
      if (login.toLowerCase() === author.login.toLowerCase()) throw validationFailed("Review cannot be requested from pull request author.");
      const role = this.repo.role(login);
      if (!role || role === "none") {
        throw validationFailed(
          `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${this.repo.fullName} repository.`,
        );
      }
    }
    let changed = false;
    for (const login of logins) {
      if (pr.requestedReviewers.some((u) => u.login.toLowerCase() === login.toLowerCase())) continue;
      const user = this.repo.userFor(login);
      pr.requestedReviewers.push(user);
      changed = true;
      this.repo.touch(this.issueOf(pr));
      this.queuePull("review_requested", pr, actor, { requested_reviewer: userObject(user) });
    }
    for (const slug of teams) {
      if (pr.requestedTeams.includes(slug)) continue;
      pr.requestedTeams.push(slug);
      changed = true;
      this.queuePull("review_requested", pr, actor, { requested_team: this.teamObject(slug) });
    }
    return changed;
  }

  /** Returns whether anything was removed. */
  removeReviewers(number: number, logins: string[], teams: string[], actor: UserSpec): boolean {
    const pr = this.get(number);
    let changed = false;
    for (const login of logins) {
      const user = pr.requestedReviewers.find((u) => u.login.toLowerCase() === login.toLowerCase());
      if (!user) continue;
      pr.requestedReviewers = pr.requestedReviewers.filter((u) => u !== user);
      changed = true;
      this.queuePull("review_request_removed", pr, actor, { requested_reviewer: userObject(user) });
    }
    for (const slug of teams) {
      if (!pr.requestedTeams.includes(slug)) continue;
      pr.requestedTeams = pr.requestedTeams.filter((t) => t !== slug);
      changed = true;
      this.queuePull("review_request_removed", pr, actor, { requested_team: this.teamObject(slug) });
    }
    return changed;
  }

  // ---------------------------------------------------------------- reviews

  submitReview(number: number, input: ReviewInput, actor: UserSpec): ReviewState {
    const pr = this.get(number);
    const author = this.issueOf(pr).user;
    const own = actor.login.toLowerCase() === author.login.toLowerCase();
    const unprocessable = (error: string) => new GitHubError(422, errorBody("Unprocessable Entity", { errors: [error], status: "422" }));
    if (own && input.event === "APPROVE") throw unprocessable("Review Can not approve your own pull request");
    if (own && input.event === "REQUEST_CHANGES") throw unprocessable("Review Can not request changes on your own pull request");
    const body = input.body ?? "";
    const comments = input.comments ?? [];
    if (input.event === "REQUEST_CHANGES" && body === "") throw unprocessable("Review body is required when requesting changes");
    if (input.event === "COMMENT" && body === "" && comments.length === 0) throw unprocessable("Review body is required when commenting");
    const commitId = input.commitId ?? pr.head.sha;
    if (this.git && !this.git.hasCommit(commitId)) throw unprocessable(`Review commit_id ${commitId} is not part of the pull request`);
    const pending = input.event === undefined;
    if (pending && this.reviewsOn(number).some((r) => r.state === "PENDING" && r.user.login.toLowerCase() === actor.login.toLowerCase())) {
      throw unprocessable("User can only have one pending review per pull request");
    }
    const now = this.hub.now();
    const review: ReviewState = {
      id: this.hub.nextId(),
      pullNumber: number,
      user: actor,
      state: pending ? "PENDING" : ({ APPROVE: "APPROVED", REQUEST_CHANGES: "CHANGES_REQUESTED", COMMENT: "COMMENTED" } as const)[input.event!],
      body,
      commitId,
      submittedAt: pending ? null : now,
      viaApp: isBot(actor),
    };
    this.reviews.set(review.id, review);
    for (const c of comments) {
      const side = c.side ?? "RIGHT";
      const comment: ReviewCommentState = {
        id: this.hub.nextId(),
        reviewId: review.id,
        pullNumber: number,
        inReplyTo: null,
        path: c.path,
        line: c.line,
        side,
        diffHunk: this.diffHunk(pr, commitId, c.path, c.line, side),
        body: c.body,
        user: actor,
        commitId,
        createdAt: now,
        updatedAt: now,
      };
      this.reviewComments.set(comment.id, comment);
    }
    if (!pending) {
      pr.requestedReviewers = pr.requestedReviewers.filter((u) => u.login.toLowerCase() !== actor.login.toLowerCase());
      this.repo.touch(this.issueOf(pr));
      this.queueReview("submitted", review, pr, actor);
      this.autoMergeSweep();
    }
    return review;
  }

  /**
   * A reply in a line comment's thread (POST …/comments/{id}/replies): like on GitHub, it is a
   * single-comment review (COMMENTED, `pull_request_review.submitted`). Replies to replies are
   * refused: the thread's first comment is the one to answer.
   */
  replyToReviewComment(number: number, commentId: number, body: string, actor: UserSpec): ReviewCommentState {
    const pr = this.get(number);
    const target = this.reviewComments.get(commentId);
    if (!target || target.pullNumber !== number) throw notFound();
    if (target.inReplyTo !== null)
      throw validationFailed("Validation Failed", [
        { resource: "PullRequestReviewComment", code: "invalid", field: "in_reply_to", message: "replies to replies are not supported" },
      ]);
    if (!body) throw validationFailed("Validation Failed", [{ resource: "PullRequestReviewComment", code: "missing_field", field: "body" }]);
    const now = this.hub.now();
    const review: ReviewState = {
      id: this.hub.nextId(),
      pullNumber: number,
      user: actor,
      state: "COMMENTED",
      body: "",
      commitId: pr.head.sha,
      submittedAt: now,
      viaApp: isBot(actor),
    };
    this.reviews.set(review.id, review);
    const reply: ReviewCommentState = {
      ...target,
      id: this.hub.nextId(),
      reviewId: review.id,
      inReplyTo: target.id,
      body,
      user: actor,
      createdAt: now,
      updatedAt: now,
    };
    this.reviewComments.set(reply.id, reply);
    this.repo.touch(this.issueOf(pr));
    this.queueReview("submitted", review, pr, actor);
    return reply;
  }

  /** The diff hunk ending at the commented line, from git; a bare hunk header otherwise (or off the diff). */
  private diffHunk(pr: PullRequestState, commitId: string, path: string, line: number, side: "LEFT" | "RIGHT"): string {
    const base = this.git?.branchSha(pr.base.ref);
    const hunk = base ? this.git!.diffHunk(base, commitId, path, line, side) : undefined;
    return hunk ?? `@@ -${line},1 +${line},1 @@`;
  }

  /** Dismisses an approval or a change request; 422 for other reviews. */
  dismissReview(number: number, reviewId: number, message: string, actor: UserSpec): ReviewState {
    const pr = this.get(number);
    const review = this.review(number, reviewId);
    if (review.state !== "APPROVED" && review.state !== "CHANGES_REQUESTED") {
      throw new GitHubError(422, errorBody(`Can not dismiss a ${review.state.toLowerCase()} pull request review`, { status: "422" }));
    }
    this.dismiss(pr, review, message, actor);
    this.autoMergeSweep();
    return review;
  }

  private dismiss(pr: PullRequestState, review: ReviewState, message: string, actor: UserSpec): void {
    review.state = "DISMISSED";
    this.queueReview("dismissed", review, pr, actor, message);
  }

  // ---------------------------------------------------------------- check runs

  /** `sweep: false` leaves auto-merge for the caller (CI completing a suite sends the suite first). */
  createCheckRun(input: CheckRunInput, owner: CheckRunState["owner"], { sweep = true }: { sweep?: boolean } = {}): CheckRunState {
    if (!input.name) throw validationFailed("Validation Failed", [{ resource: "CheckRun", code: "missing_field", field: "name" }]);
    const sha = input.headSha?.toLowerCase();
    if (!sha || (this.git && !this.git.hasCommit(sha))) throw validationFailed(`No commit found for SHA: ${input.headSha}`);
    const now = this.hub.now();
    const conclusion = input.conclusion ?? null;
    const status: CheckStatus = conclusion ? "completed" : (input.status ?? "queued");
    if (status === "completed" && !conclusion) {
      throw validationFailed("Validation Failed", [
        { resource: "CheckRun", code: "invalid", field: "conclusion", message: "Conclusion is required when status is completed" },
      ]);
    }
    const suiteKey = `${owner}\0${sha}`;
    let suiteId = this.#suites.get(suiteKey);
    if (suiteId === undefined) {
      suiteId = this.hub.nextId();
      this.#suites.set(suiteKey, suiteId);
    }
    const run: CheckRunState = {
      id: this.hub.nextId(),
      name: input.name,
      headSha: sha,
      status,
      conclusion,
      output: { title: input.output?.title ?? null, summary: input.output?.summary ?? null, text: input.output?.text ?? null },
      detailsUrl: input.detailsUrl ?? null,
      externalId: input.externalId ?? null,
      startedAt: input.startedAt ?? now,
      completedAt: status === "completed" ? (input.completedAt ?? now) : null,
      owner,
      suiteId,
    };
    this.checkRuns.push(run);
    if (sweep && run.status === "completed") this.autoMergeSweep();
    return run;
  }

  /** Returns whether anything changed. */
  updateCheckRun(id: number, patch: Partial<Omit<CheckRunInput, "headSha">>): boolean {
    const run = this.checkRun(id);
    const before = JSON.stringify(run);
    if (patch.name !== undefined) run.name = patch.name;
    if (patch.detailsUrl !== undefined) run.detailsUrl = patch.detailsUrl;
    if (patch.externalId !== undefined) run.externalId = patch.externalId;
    if (patch.startedAt !== undefined) run.startedAt = patch.startedAt;
    if (patch.output) {
      for (const key of ["title", "summary", "text"] as const) if (patch.output[key] !== undefined) run.output[key] = patch.output[key] ?? null;
    }
    if (patch.conclusion) {
      run.conclusion = patch.conclusion;
      run.status = "completed";
    } else if (patch.status !== undefined) {
      if (patch.status === "completed" && !run.conclusion) {
        throw validationFailed("Validation Failed", [
          { resource: "CheckRun", code: "invalid", field: "conclusion", message: "Conclusion is required when status is completed" },
        ]);
      }
      run.status = patch.status;
    }
    if (run.status === "completed" && !run.completedAt) run.completedAt = patch.completedAt ?? this.hub.now();
    const changed = JSON.stringify(run) !== before;
    if (changed && run.status === "completed") this.autoMergeSweep();
    return changed;
  }

  /** The latest run of each name on a commit (what GitHub's `filter=latest` lists). */
  latestRuns(sha: string): CheckRunState[] {
    const latest = new Map<string, CheckRunState>();
    for (const run of this.checkRuns) if (run.headSha === sha) latest.set(run.name, run);
    return [...latest.values()];
  }

  /**
   * CI finishing on a commit: GitHub Actions' runs named `names` (default: the required checks
   * of the branches its open pull requests target, else "ci") are completed with `conclusion`
   * (created when missing; runs the app made are left alone), `check_suite.completed` is queued,
   * and pull requests with auto-merge on merge when that was all they waited for.
   */
  completeChecks(shaOrBranch: string, conclusion: CheckConclusion, names?: string[]): void {
    const sha = this.resolveCommit(shaOrBranch);
    if (!sha) throw new Error(`FakeGitHub.completeChecks: no commit or branch ${shaOrBranch}`);
    const prs = this.open().filter((pr) => pr.head.sha === sha);
    const wanted = names ?? [...new Set(prs.flatMap((pr) => this.protectionFor(pr.base.ref)?.requiredChecks ?? []))];
    if (wanted.length === 0) wanted.push("ci");
    const now = this.hub.now();
    for (const name of wanted) {
      const latest = this.latestRuns(sha).find((r) => r.name === name);
      if (latest?.owner === "app") continue;
      if (latest && latest.status !== "completed") {
        latest.status = "completed";
        latest.conclusion = conclusion;
        latest.completedAt = now;
      } else if (!latest || latest.conclusion !== conclusion) {
        this.createCheckRun({ name, headSha: sha, conclusion, output: { title: name, summary: `${name}: ${conclusion}` } }, "github-actions", { sweep: false });
      }
    }
    for (const run of this.checkRuns) {
      if (run.headSha === sha && run.owner === "github-actions" && run.status !== "completed") {
        run.status = "completed";
        run.conclusion = conclusion;
        run.completedAt = now;
      }
    }
    const suiteId = this.#suites.get(`github-actions\0${sha}`)!;
    const suiteRuns = this.latestRuns(sha).filter((r) => r.owner === "github-actions");
    const suiteConclusion = suiteRuns.every((r) => PASSING.includes(r.conclusion)) ? "success" : conclusion;
    this.hub.queue(
      "check_suite",
      {
        action: "completed",
        check_suite: this.checkSuiteObject(suiteId, sha, suiteConclusion, suiteRuns.length, now),
        ...this.hub.envelope(this.repo, ACTIONS_BOT),
      },
      ACTIONS_BOT,
    );
    this.autoMergeSweep();
  }

  // ---------------------------------------------------------------- rendering

  /**
   * The REST object of `GET …/pulls/{n}`: as `pullObject`, except that while GitHub is still
   * working out mergeability (`mergeabilityPending`) it answers `mergeable: null`, as GitHub does
   * for a while after a push to either branch.
   */
  readObject(pr: PullRequestState): Json {
    const pending = this.mergeabilityPending.get(pr.number) ?? 0;
    if (pending === 0) return this.pullObject(pr);
    this.mergeabilityPending.set(pr.number, pending - 1);
    return { ...this.pullObject(pr), mergeable: null, rebaseable: null, mergeable_state: "unknown" };
  }

  /** The REST object: `simple` is what lists (and review payloads) carry, without mergeability and counts. */
  pullObject(pr: PullRequestState, { simple = false }: { simple?: boolean } = {}): Json {
    const issue = this.issueOf(pr);
    const info = this.repo.info;
    const url = apiUrl(info, `/pulls/${pr.number}`);
    const html = webUrl(info, `/pull/${pr.number}`);
    const assignees = issue.assignees.map(userObject);
    const object: Json = {
      url,
      id: pr.id,
      node_id: nodeIdOf(pr),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: apiUrl(info, `/issues/${pr.number}`),
      number: pr.number,
      state: issue.state,
      locked: false,
      title: issue.title,
      user: userObject(issue.user),
      body: issue.body,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      merged_at: pr.mergedAt,
      merge_commit_sha: pr.mergeCommitSha,
      assignee: assignees[0] ?? null,
      assignees,
      requested_reviewers: pr.requestedReviewers.map(userObject),
      requested_teams: pr.requestedTeams.map((slug) => this.teamObject(slug)),
      labels: issue.labels.map((name) => labelObject(info, this.repo.label(name) ?? { id: 0, name, color: "ededed", description: null })),
      milestone: issue.milestone === null ? null : this.repo.milestoneObject(this.repo.milestone(issue.milestone)),
      draft: pr.draft,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: apiUrl(info, "/pulls/comments{/number}"),
      comments_url: apiUrl(info, `/issues/${pr.number}/comments`),
      statuses_url: apiUrl(info, `/statuses/${pr.head.sha}`),
      head: this.branchObject(pr.head),
      base: this.branchObject(pr.base),
      _links: {
        self: { href: url },
        html: { href: html },
        issue: { href: apiUrl(info, `/issues/${pr.number}`) },
        comments: { href: apiUrl(info, `/issues/${pr.number}/comments`) },
        review_comments: { href: `${url}/comments` },
        review_comment: { href: apiUrl(info, "/pulls/comments{/number}") },
        commits: { href: `${url}/commits` },
        statuses: { href: apiUrl(info, `/statuses/${pr.head.sha}`) },
      },
      author_association: this.repo.associationOf(issue.user),
      auto_merge: pr.autoMerge
        ? {
            enabled_by: userObject(pr.autoMerge.enabledBy),
            merge_method: pr.autoMerge.mergeMethod,
            commit_title: pr.autoMerge.commitHeadline ?? "",
            commit_message: pr.autoMerge.commitBody ?? "",
          }
        : null,
      active_lock_reason: null,
    };
    if (simple) return object;
    const mergeability = this.mergeability(pr);
    const stats = this.stats(pr);
    return {
      ...object,
      merged: pr.merged,
      mergeable: mergeability.mergeable,
      rebaseable: mergeability.mergeable,
      mergeable_state: mergeability.state,
      merged_by: pr.mergedBy ? userObject(pr.mergedBy) : null,
      comments: this.repo.commentsOn(pr.number).length,
      review_comments: this.reviewCommentsOn(pr.number).length,
      maintainer_can_modify: pr.maintainerCanModify,
      ...stats,
    };
  }

  private stats(pr: PullRequestState): { commits: number; additions: number; deletions: number; changed_files: number } {
    const git = this.git;
    if (!git) return { commits: 1, additions: 0, deletions: 0, changed_files: 0 };
    try {
      const { additions, deletions, changedFiles } = git.diffStats(pr.base.sha, pr.head.sha);
      return { commits: git.commitsBetween(pr.base.sha, pr.head.sha).length, additions, deletions, changed_files: changedFiles };
    } catch {
      return { commits: 0, additions: 0, deletions: 0, changed_files: 0 }; // a sha gone from the repository
    }
  }

  private branchObject(branch: { ref: string; sha: string }): Json {
    const owner = this.repo.info.owner;
    return {
      label: `${owner}:${branch.ref}`,
      ref: branch.ref,
      sha: branch.sha,
      user: userObject({ login: owner, id: owner === "Codertocat" ? 21031067 : undefined }),
      repo: repositoryObject(this.repo.info),
    };
  }

  /** The short form check runs and check suites list their pull requests in. */
  private pullReference(pr: PullRequestState): Json {
    const repo = { id: this.repo.info.id, url: apiUrl(this.repo.info), name: this.repo.info.name };
    return {
      url: apiUrl(this.repo.info, `/pulls/${pr.number}`),
      id: pr.id,
      number: pr.number,
      head: { ref: pr.head.ref, sha: pr.head.sha, repo },
      base: { ref: pr.base.ref, sha: pr.base.sha, repo },
    };
  }

  teamObject(slug: string): Json {
    const id = 2_000_000 + (parseInt(createHash("sha1").update(slug).digest("hex").slice(0, 6), 16) % 1_000_000);
    const org = this.repo.info.owner;
    return {
      id,
      node_id: `T_${id}`,
      url: `https://api.github.com/organizations/${userId({ login: org })}/team/${id}`,
      html_url: `https://github.com/orgs/${org}/teams/${slug}`,
      name: slug,
      slug,
      description: null,
      privacy: "closed",
      notification_setting: "notifications_enabled",
      permission: "pull",
      members_url: `https://api.github.com/organizations/${userId({ login: org })}/team/${id}/members{/member}`,
      repositories_url: `https://api.github.com/organizations/${userId({ login: org })}/team/${id}/repos`,
      parent: null,
    };
  }

  /** REST shape (state uppercase, body "" when none). */
  reviewObject(review: ReviewState): Json {
    const info = this.repo.info;
    const html = webUrl(info, `/pull/${review.pullNumber}#pullrequestreview-${review.id}`);
    const pullUrl = apiUrl(info, `/pulls/${review.pullNumber}`);
    return {
      id: review.id,
      node_id: `PRR_${review.id}`,
      user: userObject(review.user),
      body: review.body,
      state: review.state,
      html_url: html,
      pull_request_url: pullUrl,
      author_association: this.repo.associationOf(review.user),
      _links: { html: { href: html }, pull_request: { href: pullUrl } },
      ...(review.submittedAt ? { submitted_at: review.submittedAt } : {}),
      commit_id: review.commitId,
    };
  }

  reviewCommentObject(comment: ReviewCommentState): Json {
    const info = this.repo.info;
    const url = apiUrl(info, `/pulls/comments/${comment.id}`);
    const html = webUrl(info, `/pull/${comment.pullNumber}#discussion_r${comment.id}`);
    const pullUrl = apiUrl(info, `/pulls/${comment.pullNumber}`);
    return {
      url,
      pull_request_review_id: comment.reviewId,
      id: comment.id,
      node_id: `PRRC_${comment.id}`,
      diff_hunk: comment.diffHunk,
      path: comment.path,
      position: comment.line,
      original_position: comment.line,
      commit_id: comment.commitId,
      original_commit_id: comment.commitId,
      ...(comment.inReplyTo !== null ? { in_reply_to_id: comment.inReplyTo } : {}),
      user: userObject(comment.user),
      body: comment.body,
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      html_url: html,
      pull_request_url: pullUrl,
      author_association: this.repo.associationOf(comment.user),
      _links: { self: { href: url }, html: { href: html }, pull_request: { href: pullUrl } },
      start_line: null,
      original_start_line: null,
      start_side: null,
      line: comment.line,
      original_line: comment.line,
      side: comment.side,
      subject_type: "line",
      reactions: {
        url: `${url}/reactions`,
        total_count: 0,
        "+1": 0,
        "-1": 0,
        laugh: 0,
        hooray: 0,
        confused: 0,
        heart: 0,
        rocket: 0,
        eyes: 0,
      },
    };
  }

  checkRunObject(run: CheckRunState): Json {
    const info = this.repo.info;
    const url = apiUrl(info, `/check-runs/${run.id}`);
    return {
      id: run.id,
      head_sha: run.headSha,
      node_id: `CR_${run.id}`,
      external_id: run.externalId ?? "",
      url,
      html_url: webUrl(info, `/runs/${run.id}`),
      details_url: run.detailsUrl ?? (run.owner === "app" ? null : webUrl(info, `/actions/runs/${run.suiteId}/job/${run.id}`)),
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: { ...run.output, annotations_count: 0, annotations_url: `${url}/annotations` },
      name: run.name,
      check_suite: { id: run.suiteId },
      app: run.owner === "app" ? appObject() : actionsAppObject(),
      pull_requests: this.open()
        .filter((pr) => pr.head.sha === run.headSha)
        .map((pr) => this.pullReference(pr)),
    };
  }

  private checkSuiteObject(id: number, sha: string, conclusion: string, runs: number, now: string): Json {
    const info = this.repo.info;
    const prs = this.open().filter((pr) => pr.head.sha === sha);
    const commit = this.git?.commit(sha);
    return {
      id,
      node_id: `CS_${id}`,
      head_branch: prs[0]?.head.ref ?? null,
      head_sha: sha,
      status: "completed",
      conclusion,
      url: apiUrl(info, `/check-suites/${id}`),
      before: null,
      after: sha,
      pull_requests: prs.map((pr) => this.pullReference(pr)),
      app: actionsAppObject(),
      created_at: now,
      updated_at: now,
      rerequestable: true,
      runs_rerequestable: true,
      latest_check_runs_count: runs,
      check_runs_url: apiUrl(info, `/check-suites/${id}/check-runs`),
      head_commit: {
        id: sha,
        tree_id: this.git?.treeOf(sha) ?? madeUpSha(`tree\0${sha}`),
        message: commit?.message ?? "",
        timestamp: now,
        author: { name: commit?.authorName ?? "Fixture Person", email: commit?.authorEmail ?? "person@example.com" },
        committer: { name: commit?.committerName ?? "Fixture Person", email: commit?.committerEmail ?? "person@example.com" },
      },
    };
  }

  /** The pull request as the GraphQL mutations answer it (a superset of what a selection asks). */
  graphqlObject(pr: PullRequestState): Json {
    const issue = this.issueOf(pr);
    const mergeability = this.mergeability(pr);
    return {
      __typename: "PullRequest",
      id: nodeIdOf(pr),
      databaseId: pr.id,
      number: pr.number,
      title: issue.title,
      url: webUrl(this.repo.info, `/pull/${pr.number}`),
      isDraft: pr.draft,
      state: pr.merged ? "MERGED" : issue.state.toUpperCase(),
      merged: pr.merged,
      mergedAt: pr.mergedAt,
      mergeable: mergeability.mergeable === null ? "UNKNOWN" : mergeability.mergeable ? "MERGEABLE" : "CONFLICTING",
      mergeStateStatus: mergeability.state.toUpperCase(),
      headRefName: pr.head.ref,
      headRefOid: pr.head.sha,
      baseRefName: pr.base.ref,
      baseRefOid: pr.base.sha,
      autoMergeRequest: pr.autoMerge
        ? {
            enabledAt: pr.autoMerge.enabledAt,
            enabledBy: { login: pr.autoMerge.enabledBy.login },
            mergeMethod: pr.autoMerge.mergeMethod.toUpperCase(),
            commitHeadline: pr.autoMerge.commitHeadline,
            commitBody: pr.autoMerge.commitBody,
            expectedHeadOid: pr.autoMerge.expectedHeadOid,
          }
        : null,
    };
  }

  // ---------------------------------------------------------------- webhooks

  queuePull(action: string, pr: PullRequestState, actor: UserSpec, extra: Json = {}): void {
    this.hub.queue("pull_request", { action, number: pr.number, pull_request: this.pullObject(pr), ...extra, ...this.hub.envelope(this.repo, actor) }, actor);
  }

  private queueReview(action: "submitted" | "dismissed", review: ReviewState, pr: PullRequestState, actor: UserSpec, dismissal?: string): void {
    const object = this.reviewObject(review);
    const payloadReview: Json = {
      ...object,
      body: review.body === "" ? null : review.body,
      state: review.state.toLowerCase(),
      submitted_at: review.submittedAt,
    };
    if (dismissal !== undefined) payloadReview.dismissed_review_message = dismissal;
    this.hub.queue(
      "pull_request_review",
      { action, review: payloadReview, pull_request: this.pullObject(pr, { simple: true }), ...this.hub.envelope(this.repo, actor) },
      actor,
    );
  }

  // ---------------------------------------------------------------- internals

  private headBranch(head: string): string {
    if (!head) throw validationFailed("Validation Failed", [{ resource: "PullRequest", code: "missing_field", field: "head" }]);
    const colon = head.indexOf(":");
    if (colon < 0) return head;
    if (head.slice(0, colon).toLowerCase() !== this.repo.info.owner.toLowerCase()) {
      throw validationFailed("Validation Failed", [{ resource: "PullRequest", field: "head", code: "invalid" }]);
    }
    return head.slice(colon + 1);
  }

  private person(user: UserSpec): GitPerson {
    return {
      name: user.login,
      email: `${userId(user)}+${user.login}@users.noreply.github.com`,
      time: Math.floor(Date.parse(this.hub.now()) / 1000),
    };
  }
}

export function nodeIdOf(pr: PullRequestState): string {
  return `PR_${pr.id}`;
}

function madeUpSha(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}
