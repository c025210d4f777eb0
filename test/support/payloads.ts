/**
 * Webhook payloads for the test repository, built from GitHub's published examples
 * (@octokit/webhooks-examples) with the fields a scenario needs patched in, so every handler
 * runs on the real shapes.
 */
import { examplePayload } from "./fixtures.js";

export const INSTALLATION_ID = 957387;
export const OWNER = "Codertocat";
export const REPO = "Hello-World";
export const FULL_NAME = `${OWNER}/${REPO}`;
export const REPOSITORY_ID = 186853002;

type Json = Record<string, unknown>;

export interface IssueSpec {
  number: number;
  title?: string;
  body?: string | null;
  labels?: string[];
  state?: "open" | "closed";
  milestone?: MilestoneSpec | null;
  pullRequest?: boolean;
  dependencies?: { blockedBy: number; totalBlockedBy: number };
}

export interface MilestoneSpec {
  number: number;
  title?: string;
  description?: string | null;
  state?: "open" | "closed";
}

export interface UserSpec {
  login: string;
  type?: "User" | "Bot";
  id?: number;
}

export const WRITER: UserSpec = { login: "octo-writer", id: 1001 };
export const READER: UserSpec = { login: "octo-reader", id: 1002 };

function repository(): Json {
  const base = examplePayload<{ repository: Json }>("issues", "opened").repository;
  return {
    ...base,
    id: REPOSITORY_ID,
    full_name: FULL_NAME,
    name: REPO,
    clone_url: `https://github.com/${FULL_NAME}.git`,
    default_branch: "main",
  };
}

function user(spec: UserSpec): Json {
  const base = examplePayload<{ sender: Json }>("issues", "opened").sender;
  return { ...base, login: spec.login, id: spec.id ?? 5000, type: spec.type ?? "User" };
}

export function milestoneObject(spec: MilestoneSpec): Json {
  const base = examplePayload<{ milestone: Json }>("milestone", "created").milestone;
  return {
    ...base,
    number: spec.number,
    id: 7_000_000 + spec.number,
    node_id: `MI_${spec.number}`,
    title: spec.title ?? `Milestone ${spec.number}`,
    description: spec.description ?? null,
    state: spec.state ?? "open",
  };
}

export function issueObject(spec: IssueSpec): Json {
  const base = examplePayload<{ issue: Json }>("issues", "opened").issue;
  const issue: Json = {
    ...base,
    number: spec.number,
    id: 9_000_000 + spec.number,
    node_id: `I_${spec.number}`,
    title: spec.title ?? `Issue ${spec.number}`,
    body: spec.body ?? null,
    state: spec.state ?? "open",
    labels: (spec.labels ?? []).map((name, i) => ({ id: 100 + i, node_id: `L_${name}`, name, color: "ededed", default: false })),
    milestone: spec.milestone ? milestoneObject(spec.milestone) : null,
    url: `https://api.github.com/repos/${FULL_NAME}/issues/${spec.number}`,
    repository_url: `https://api.github.com/repos/${FULL_NAME}`,
    html_url: `https://github.com/${FULL_NAME}/issues/${spec.number}`,
  };
  if (spec.dependencies) {
    issue.issue_dependencies_summary = {
      blocked_by: spec.dependencies.blockedBy,
      total_blocked_by: spec.dependencies.totalBlockedBy,
      blocking: 0,
      total_blocking: 0,
    };
  }
  if (spec.pullRequest) issue.pull_request = { url: `https://api.github.com/repos/${FULL_NAME}/pulls/${spec.number}` };
  return issue;
}

const envelope = (sender: UserSpec): Json => ({
  repository: repository(),
  sender: user(sender),
  installation: { id: INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uOTU3Mzg3" },
});

export function issuesPayload(action: string, spec: IssueSpec, sender: UserSpec = WRITER, extra: Json = {}): Json {
  return { action, issue: issueObject(spec), ...envelope(sender), ...extra };
}

export function labeledPayload(spec: IssueSpec, label: string, sender: UserSpec = WRITER, action = "labeled"): Json {
  return issuesPayload(action, spec, sender, { label: { id: 1, node_id: `L_${label}`, name: label, color: "ededed", default: false } });
}

export function milestonePayload(action: string, spec: MilestoneSpec, sender: UserSpec = WRITER): Json {
  return { action, milestone: milestoneObject(spec), ...envelope(sender) };
}

export function commentPayload(spec: IssueSpec, body: string, sender: UserSpec = WRITER, extra: Json = {}): Json {
  const base = examplePayload<{ comment: Json }>("issue_comment", "created").comment;
  return {
    action: "created",
    issue: issueObject(spec),
    comment: { ...base, id: Math.floor(Math.random() * 1e9), body, user: user(sender), performed_via_github_app: null },
    ...envelope(sender),
    ...extra,
  };
}

export function subIssuePayload(action: "sub_issue_added" | "sub_issue_removed", parent: IssueSpec, child: IssueSpec, sender: UserSpec = WRITER): Json {
  return {
    action,
    parent_issue_id: 9_000_000 + parent.number,
    parent_issue: issueObject(parent),
    sub_issue_id: 9_000_000 + child.number,
    sub_issue: issueObject(child),
    sub_issue_repo: repository(),
    ...envelope(sender),
  };
}

export function dependencyPayload(action: "blocked_by_added" | "blocked_by_removed", blocked: IssueSpec, blocking: IssueSpec, sender: UserSpec = WRITER): Json {
  return {
    action,
    blocked_issue_id: 9_000_000 + blocked.number,
    blocked_issue: issueObject(blocked),
    blocking_issue_id: 9_000_000 + blocking.number,
    blocking_issue: issueObject(blocking),
    blocking_issue_repo: repository(),
    ...envelope(sender),
  };
}
