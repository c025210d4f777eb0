/** The state the fake GitHub holds, as plain data. Objects GitHub returns are rendered from it. */
import type { UserSpec } from "../payloads.js";

export type { UserSpec };

/** Repository roles, as GitHub names them in `role_name`. */
export type Role = "admin" | "maintain" | "write" | "triage" | "read" | "none";

export type IssueStateReason = "completed" | "not_planned" | "reopened" | "duplicate";

export interface LabelState {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface MilestoneState {
  number: number;
  id: number;
  title: string;
  description: string | null;
  state: "open" | "closed";
  dueOn: string | null;
  creator: UserSpec;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface IssueEvent {
  id: number;
  event: string;
  actor: UserSpec;
  createdAt: string;
  /** Set for labeled / unlabeled. */
  label?: { name: string; color: string };
  /** Set for milestoned / demilestoned. */
  milestone?: { title: string };
  /** Set for renamed. */
  rename?: { from: string; to: string };
  /** Set for assigned / unassigned. */
  assignee?: UserSpec;
  stateReason?: IssueStateReason | null;
}

export interface IssueState {
  number: number;
  /** The database id (what sub-issue and dependency endpoints take). */
  id: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  stateReason: IssueStateReason | null;
  /** Label names, spelled as the repository's definition spells them. */
  labels: string[];
  milestone: number | null;
  assignees: UserSpec[];
  user: UserSpec;
  /** Created through the API by the app (GitHub then sets `performed_via_github_app`). */
  createdByApp: boolean;
  /** Database id of the parent issue (possibly in another repository of the fake). */
  parent: number | null;
  /** Database ids of the sub-issues, in order. */
  children: number[];
  /** Database ids of the issues this one is blocked by. */
  blockedBy: number[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  closedBy: UserSpec | null;
  events: IssueEvent[];
  /** Deleted, or transferred away (to another repository of the fake, or elsewhere). */
  gone: null | { kind: "deleted" } | { kind: "transferred"; to: { fullName: string; number: number } | null };
}

export interface CommentState {
  id: number;
  issueNumber: number;
  body: string;
  user: UserSpec;
  /** Posted through the API by the app. */
  viaApp: boolean;
  createdAt: string;
  updatedAt: string;
  deleted: boolean;
}

export interface RepositoryOptions {
  owner?: string;
  name?: string;
  id?: number;
  defaultBranch?: string;
  /** Where the repository is cloned from; point it at a local bare repository for git tests. */
  cloneUrl?: string;
  private?: boolean;
  /** Label definitions the repository starts with (a name alone gets color "ededed"). */
  labels?: (string | { name: string; color?: string; description?: string | null })[];
  /** Files by path, e.g. { ".github/codewalkers.yml": "triggerLabel: go\n" }. */
  files?: Record<string, string>;
  /** Collaborators by login; defaults to WRITER (write) and READER (read) from payloads.ts. */
  collaborators?: Record<string, Role>;
  /** The repository setting "Allow auto-merge" (default true); off, `enablePullRequestAutoMerge` fails. */
  allowAutoMerge?: boolean;
}

export interface FakeGitHubOptions {
  installationId?: number;
  /** The installed repositories; defaults to one: Codertocat/Hello-World as in payloads.ts. */
  repositories?: RepositoryOptions[];
  /** Files of the owner's `.github` repository (Probot's config loader falls back to it). */
  ownerConfigFiles?: Record<string, string>;
  /**
   * GitHub tells both ends of a relation: adding a sub-issue sends `sub_issue_added` and
   * `parent_issue_added`, a dependency `blocked_by_added` and `blocking_added`. Off: only the first.
   */
  mirrorRelationEvents?: boolean;
}

/** One attempt at a delivery, as the App webhook deliveries API lists it (GET /app/hook/deliveries). */
export interface HookDeliveryAttempt {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  /** 0 when GitHub could not connect. */
  status_code: number;
  status: string;
  event: string;
  action: string | null;
  installation_id: number;
  repository_id: number | null;
}

export interface QueuedWebhook {
  /** The `X-GitHub-Delivery` id it is delivered with. */
  deliveryId: string;
  event: string;
  action: string | undefined;
  payload: Record<string, unknown>;
  /** Caused by the app's own API write (an echo), not by a person. */
  fromApp: boolean;
  /** Sent again because the app asked for it (the deliveries API). */
  redelivery?: boolean;
}

export type RequestKind = "read" | "write" | "auth";

export interface FakeRequest {
  method: string;
  /** The path as sent, without its query string. */
  path: string;
  query: Record<string, string>;
  /** "METHOD /template", e.g. "POST /repos/{owner}/{repo}/issues/{issue_number}/labels". */
  route: string;
  body: unknown;
  kind: RequestKind;
  /** A write that changed nothing (label already there, same comment body, 404 on removal…). */
  redundant: boolean;
  status: number;
  /** Answered by `failNext`, not by the state. */
  injected: boolean;
}

export interface RequestCounts {
  reads: number;
  writes: number;
  redundantWrites: number;
  /** Reads and writes by "METHOD /template" (auth requests are not counted). */
  byRoute: Record<string, number>;
}

export interface FaultSpec {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many requests in a row are answered with it (default 1). */
  times?: number;
  /**
   * The request is carried out first, and only its answer is the error: an ambiguous failure
   * (a comment posted, a merge made, and the answer lost as a 502).
   */
  applied?: boolean;
}

// ------------------------------------------------------------------ pull requests

export type MergeMethod = "merge" | "squash" | "rebase";

/** What branch protection requires before a pull request into the branch can merge. */
export interface BranchProtection {
  /** Approving reviews by people with write access (their latest review counts). */
  requiredApprovals?: number;
  /** Check-run names whose latest run on the head must have succeeded (success, neutral or skipped). */
  requiredChecks?: string[];
  /** Approvals on an earlier head do not count (GitHub's "Dismiss stale pull request approvals"); pushes dismiss them. */
  dismissStaleReviews?: boolean;
  /** "Require merge queue": the merge button (REST merge) answers 405; pull requests merge through the queue. */
  mergeQueue?: boolean;
}

/** A pull request waiting in the merge queue (the fake's queue merges it once its requirements are met). */
export interface MergeQueueEntryState {
  enqueuedBy: UserSpec;
  enqueuedAt: string;
  expectedHeadOid: string | null;
}

export interface AutoMergeState {
  mergeMethod: MergeMethod;
  enabledBy: UserSpec;
  enabledAt: string;
  expectedHeadOid: string | null;
  commitHeadline: string | null;
  commitBody: string | null;
}

/**
 * The pull-request half of a pull request. The other half — number, title, body, state, labels,
 * milestone, assignees, author, timestamps — is its issue (`IssueState` with the same number):
 * on GitHub every pull request is an issue, and they share one number sequence.
 */
export interface PullRequestState {
  number: number;
  /** The pull request's database id (not its issue's); node_id is `PR_<id>`. */
  id: number;
  head: { ref: string; sha: string };
  /** `sha` is the base branch's tip as last seen (for a merged pull request: just before the merge). */
  base: { ref: string; sha: string };
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergedBy: UserSpec | null;
  mergeCommitSha: string | null;
  requestedReviewers: UserSpec[];
  /** Team slugs. */
  requestedTeams: string[];
  maintainerCanModify: boolean;
  autoMerge: AutoMergeState | null;
  mergeQueueEntry: MergeQueueEntryState | null;
}

/** A pull request as `fake.pull(n)` returns it: both halves in one object. */
export interface PullRequestInfo extends PullRequestState {
  nodeId: string;
  title: string;
  body: string | null;
  state: "open" | "closed";
  user: UserSpec;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export type ReviewStateName = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";

export interface ReviewState {
  id: number;
  pullNumber: number;
  user: UserSpec;
  /** As the REST API spells it (webhooks send it lowercase). */
  state: ReviewStateName;
  /** "" when none (as the REST API answers). */
  body: string;
  /** The head the review was made on. */
  commitId: string;
  submittedAt: string | null;
  viaApp: boolean;
}

export interface ReviewCommentState {
  id: number;
  reviewId: number;
  pullNumber: number;
  /** The thread's first comment, for a reply. */
  inReplyTo: number | null;
  path: string;
  line: number;
  side: "LEFT" | "RIGHT";
  /** The diff up to the commented line (from git when the repository has it). */
  diffHunk: string;
  body: string;
  user: UserSpec;
  commitId: string;
  createdAt: string;
  updatedAt: string;
}

/** A line comment in a review, as people's actions and POST …/reviews take it. */
export interface LineComment {
  path: string;
  line: number;
  body: string;
  side?: "LEFT" | "RIGHT";
}

export type CheckStatus = "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
export type CheckConclusion = "success" | "failure" | "neutral" | "cancelled" | "skipped" | "timed_out" | "action_required" | "stale";

export interface CheckRunState {
  id: number;
  name: string;
  headSha: string;
  status: CheckStatus;
  conclusion: CheckConclusion | null;
  output: { title: string | null; summary: string | null; text: string | null };
  detailsUrl: string | null;
  externalId: string | null;
  startedAt: string;
  completedAt: string | null;
  /** Who made it: the app (through the API), or CI (GitHub Actions, through `completeChecks`). */
  owner: "app" | "github-actions";
  suiteId: number;
}
