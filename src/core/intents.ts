/**
 * GitHub writes the core intends. A command records them in the outbox in the same transaction
 * as the state change; the outbox worker performs them. Each is an idempotent "ensure": doing it
 * twice leaves GitHub as doing it once. Intents with the same target key coalesce: a newer one
 * replaces an older one still waiting, so a burst of transitions makes one write.
 */
import type { LabelDefinition, StatusLabel } from "./labels.js";
import type { BoardRef, BoardStatusMap, CardValues } from "./board.js";

export interface RepoRef {
  owner: string;
  repo: string;
  installationId: number;
}

export type GitHubIntent =
  | EnsureLabelsIntent
  | SetStatusLabelIntent
  | UpsertCommentIntent
  | EnsurePullRequestIntent
  | MarkReadyIntent
  | MarkDraftIntent
  | RequestReviewersIntent
  | RequestReviewAgainIntent
  | ReplyToReviewCommentIntent
  | MergePullRequestIntent
  | CloseIssueIntent
  | CloseMilestoneIntent
  | EnsureCheckRunIntent
  | AddAssigneesIntent
  | OpenTaskIssueIntent
  | PostReviewIntent
  | EnsureBoardItemIntent
  | AddLabelsIntent
  | CreatePlannedIssueIntent
  | EditIssueIntent
  | SubIssueIntent
  | IssueDependencyIntent;

/**
 * An issue a change set plans exists (see core/change-set-text.ts): created once with these
 * labels in the milestone, and recorded on its change-set entry. A retry, whose first try may
 * have landed unanswered, first looks for `marker` in the milestone's issues.
 */
export interface CreatePlannedIssueIntent {
  kind: "create-planned-issue";
  repo: RepoRef;
  entryId: string;
  marker: string;
  title: string;
  body: string;
  labels: string[];
  milestone: number;
}

/**
 * The issue has this title, body and state, for change-set entry `entryId`: `done` is the step
 * recorded on the entry once GitHub has it. With `keepPrevious`, what the issue had before is
 * kept on the entry first (a plan's edit, which a revert restores).
 */
export interface EditIssueIntent {
  kind: "edit-issue";
  repo: RepoRef;
  issueNumber: number;
  title?: string;
  body?: string;
  state?: "open" | "closed";
  stateReason?: "completed" | "not_planned" | "reopened";
  entryId: string;
  done: "edited" | "restored" | "closed";
  keepPrevious?: boolean;
}

/** Issue `childNumber` (database id `childId`) is (`add`) or is not a sub-issue of `parentNumber`. */
export interface SubIssueIntent {
  kind: "sub-issue";
  repo: RepoRef;
  parentNumber: number;
  childNumber: number;
  childId: number;
  add: boolean;
  entryId: string;
}

/** Issue `issueNumber` is (`add`) or is not blocked by `blockerNumber` (database id `blockerId`). */
export interface IssueDependencyIntent {
  kind: "issue-dependency";
  repo: RepoRef;
  issueNumber: number;
  blockerNumber: number;
  blockerId: number;
  add: boolean;
  entryId: string;
}

/** The repository has these label definitions (missing ones are created; existing ones kept). */
export interface EnsureLabelsIntent {
  kind: "ensure-labels";
  repo: RepoRef;
  labels: LabelDefinition[];
}

/**
 * The issue carries exactly this app-owned status label (or none): other status labels are
 * removed, labels the app does not own are never touched.
 */
export interface SetStatusLabelIntent {
  kind: "set-status-label";
  repo: RepoRef;
  issueNumber: number;
  label: StatusLabel | null;
}

/**
 * The issue has one comment of the app's with this marker, with this body: created the first
 * time, edited in place afterwards, left alone when the body is already right.
 */
export interface UpsertCommentIntent {
  kind: "upsert-comment";
  repo: RepoRef;
  issueNumber: number;
  marker: string;
  body: string;
}

/**
 * An open pull request from `head` into `base` with this title and body: opened (as a draft
 * when asked) the first time, edited in place when the text changed, left alone otherwise.
 */
export interface EnsurePullRequestIntent {
  kind: "ensure-pull-request";
  repo: RepoRef;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  subject: { kind: "phase" | "initiative" | "task"; id: string };
}

/** The draft pull request from `head` is ready for review. */
export interface MarkReadyIntent {
  kind: "mark-ready";
  repo: RepoRef;
  head: string;
  base: string;
}

/** The pull request from `head` is a draft again: its work is not done (a verification failed on its head). */
export interface MarkDraftIntent {
  kind: "mark-draft";
  repo: RepoRef;
  head: string;
  base: string;
}

/** These people and teams ("org/team") are asked to review the pull request from `head`. */
export interface RequestReviewersIntent {
  kind: "request-reviewers";
  repo: RepoRef;
  head: string;
  base: string;
  reviewers: string[];
}

/**
 * These people, who reviewed pull request `pullNumber` and asked for changes, are asked to
 * review it again once the changes are made.
 */
export interface RequestReviewAgainIntent {
  kind: "request-review-again";
  repo: RepoRef;
  pullNumber: number;
  reviewers: string[];
}

/**
 * The thread of line comment `commentId` on pull request `pullNumber` has one reply of the app's
 * with this marker: posted once, never repeated.
 */
export interface ReplyToReviewCommentIntent {
  kind: "reply-review-comment";
  repo: RepoRef;
  pullNumber: number;
  commentId: number;
  marker: string;
  body: string;
}

/**
 * The pull request from `head` is merged — only if its head is still `sha` (the approved
 * commit). Where the repository requires checks or reviews GitHub's auto-merge takes over.
 */
export interface MergePullRequestIntent {
  kind: "merge-pull-request";
  repo: RepoRef;
  head: string;
  base: string;
  sha: string;
  method: "merge" | "squash" | "rebase";
}

/** The check run `name` on commit `headSha` shows this progress (created once, then edited). */
export interface EnsureCheckRunIntent {
  kind: "ensure-check-run";
  repo: RepoRef;
  headSha: string;
  name: string;
  status: "queued" | "in_progress" | "completed";
  conclusion?: "success" | "failure" | "neutral" | "cancelled";
  title: string;
  summary: string;
  text?: string;
}

export interface CloseIssueIntent {
  kind: "close-issue";
  repo: RepoRef;
  issueNumber: number;
}

/**
 * These people are among the issue's assignees (added; those already assigned, or assigned by
 * people, stay). GitHub ignores logins that cannot be assigned.
 */
export interface AddAssigneesIntent {
  kind: "add-assignees";
  repo: RepoRef;
  issueNumber: number;
  assignees: string[];
}

export interface CloseMilestoneIntent {
  kind: "close-milestone";
  repo: RepoRef;
  milestoneNumber: number;
}

/**
 * Task `taskId`, made by the app (a verify's fix task), has an issue: opened once with this text
 * and labels in the milestone, as a sub-issue of `parentIssueNumber`; the task then records it.
 */
export interface OpenTaskIssueIntent {
  kind: "open-task-issue";
  repo: RepoRef;
  taskId: string;
  title: string;
  body: string;
  labels: string[];
  milestoneNumber: number | null;
  parentIssueNumber: number | null;
}

/**
 * A review of pull request `pullNumber` on `commitId`, by the app, as a COMMENT (never an
 * approval): posted once (`marker` in its body), its line comments recorded for `/cw refine`.
 */
export interface PostReviewIntent {
  kind: "post-review";
  repo: RepoRef;
  pullNumber: number;
  pullRequestId: string;
  taskId: string;
  agentName: string | null;
  commitId: string;
  marker: string;
  body: string;
  comments: { path: string; line: number; startLine?: number; side?: "LEFT" | "RIGHT"; body: string }[];
}

/**
 * The issue has a card on the organization project `board` showing `values` (its Status option,
 * Phase, Priority, Agent, Attempts, where the board has such fields): added once, then only the
 * fields the board does not show yet are written. One intent per card, so a burst of changes to
 * one task coalesces into one write.
 */
export interface EnsureBoardItemIntent {
  kind: "ensure-board-item";
  repo: RepoRef;
  board: BoardRef;
  statuses: BoardStatusMap;
  issueNumber: number;
  /** The issue's node id, what the board's card refers to. */
  contentNodeId: string;
  values: CardValues;
}

/** The issue carries these labels (added; its other labels stay). */
export interface AddLabelsIntent {
  kind: "add-labels";
  repo: RepoRef;
  issueNumber: number;
  labels: string[];
}

export function targetKeyOf(intent: GitHubIntent): string {
  const repo = `${intent.repo.owner}/${intent.repo.repo}`;
  switch (intent.kind) {
    case "ensure-labels":
      return `labels:${repo}`;
    case "set-status-label":
      return `status-label:${repo}#${intent.issueNumber}`;
    case "upsert-comment":
      return `comment:${repo}#${intent.issueNumber}:${intent.marker}`;
    case "ensure-pull-request":
      return `pr:${repo}:${intent.head}->${intent.base}`;
    case "mark-ready":
    case "mark-draft":
      // One target: whether the pull request is ready; the newer wish replaces the older.
      return `pr-ready:${repo}:${intent.head}->${intent.base}`;
    case "request-reviewers":
      return `pr-reviewers:${repo}:${intent.head}->${intent.base}`;
    case "request-review-again":
      return `pr-rereview:${repo}#${intent.pullNumber}:${[...intent.reviewers]
        .map((r) => r.toLowerCase())
        .sort()
        .join(",")}`;
    case "reply-review-comment":
      return `review-reply:${repo}#${intent.pullNumber}:${intent.marker}`;
    case "merge-pull-request":
      return `pr-merge:${repo}:${intent.head}->${intent.base}`;
    case "close-issue":
      return `close-issue:${repo}#${intent.issueNumber}`;
    case "close-milestone":
      return `close-milestone:${repo}:${intent.milestoneNumber}`;
    case "ensure-check-run":
      return `check-run:${repo}:${intent.headSha}:${intent.name}`;
    case "add-assignees":
      return `assignees:${repo}#${intent.issueNumber}`;
    case "open-task-issue":
      return `task-issue:${repo}:${intent.taskId}`;
    case "post-review":
      return `review:${repo}#${intent.pullNumber}:${intent.marker}`;
    case "ensure-board-item":
      return `board-item:${intent.board.org.toLowerCase()}/${intent.board.number}:${repo}#${intent.issueNumber}`;
    case "add-labels":
      return `add-labels:${repo}#${intent.issueNumber}:${[...intent.labels].sort().join(",")}`;
    case "create-planned-issue":
      return `planned-issue:${repo}:${intent.entryId}`;
    case "edit-issue":
      return `edit-issue:${repo}#${intent.issueNumber}`;
    case "sub-issue":
      return `sub-issue:${repo}#${intent.parentNumber}:${intent.childNumber}`;
    case "issue-dependency":
      return `dependency:${repo}#${intent.issueNumber}:${intent.blockerNumber}`;
  }
}

/** The hidden line that lets the app find its own comment again. */
export function commentMarker(marker: string): string {
  return `<!-- codewalkers:${marker} -->`;
}
