/**
 * Objects as GitHub renders them (users, the app, repositories, labels), built on GitHub's
 * published example payloads so every field a handler might read is there.
 */
import { examplePayload } from "../fixtures.js";
import { TEST_APP_ID } from "../github-app.js";
import type { LabelState, UserSpec } from "./types.js";

type Json = Record<string, unknown>;

export const APP_SLUG = "codewalkers";

/** The app's bot user: the actor of every write made with an installation token. */
export const APP_BOT: Required<UserSpec> = { login: `${APP_SLUG}[bot]`, type: "Bot", id: 190_424_200 };

export interface RepoInfo {
  owner: string;
  name: string;
  fullName: string;
  id: number;
  nodeId: string;
  defaultBranch: string;
  cloneUrl: string;
  private: boolean;
}

const API = "https://api.github.com";
const WEB = "https://github.com";

let exampleRepository: Json | undefined;
let exampleUser: Json | undefined;

export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A stable id for a login without one, so the same person always has the same id. */
export function userId(spec: UserSpec): number {
  if (spec.id !== undefined) return spec.id;
  let hash = 0;
  for (const ch of spec.login.toLowerCase()) hash = (hash * 31 + ch.charCodeAt(0)) % 1_000_000;
  return 6_000_000 + hash;
}

export function userObject(spec: UserSpec): Json {
  exampleUser ??= examplePayload<{ sender: Json }>("issues", "opened").sender;
  const login = spec.login;
  return {
    ...exampleUser,
    login,
    id: userId(spec),
    node_id: `U_${login}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${userId(spec)}?v=4`,
    url: `${API}/users/${login}`,
    html_url: spec.type === "Bot" ? `${WEB}/apps/${login.replace(/\[bot\]$/, "")}` : `${WEB}/${login}`,
    followers_url: `${API}/users/${login}/followers`,
    following_url: `${API}/users/${login}/following{/other_user}`,
    gists_url: `${API}/users/${login}/gists{/gist_id}`,
    starred_url: `${API}/users/${login}/starred{/owner}{/repo}`,
    subscriptions_url: `${API}/users/${login}/subscriptions`,
    organizations_url: `${API}/users/${login}/orgs`,
    repos_url: `${API}/users/${login}/repos`,
    events_url: `${API}/users/${login}/events{/privacy}`,
    received_events_url: `${API}/users/${login}/received_events`,
    type: spec.type ?? "User",
    site_admin: false,
  };
}

/** The app as GitHub describes it (`GET /app`, `performed_via_github_app`). */
export function appObject(): Json {
  return {
    id: TEST_APP_ID,
    slug: APP_SLUG,
    node_id: `A_${TEST_APP_ID}`,
    client_id: "Iv1.testclientid0000",
    owner: userObject({ login: "Codertocat", id: 21031067 }),
    name: "Codewalkers",
    description: "Runs coding agents through GitHub issues",
    external_url: "https://example.test/codewalkers",
    html_url: `${WEB}/apps/${APP_SLUG}`,
    created_at: "2024-01-01T00:00:00Z",
    updated_at: "2024-01-01T00:00:00Z",
    permissions: { issues: "write", contents: "write", pull_requests: "write", checks: "write", metadata: "read" },
    events: [
      "installation",
      "installation_repositories",
      "issues",
      "issue_comment",
      "milestone",
      "pull_request",
      "pull_request_review",
      "check_suite",
      "sub_issues",
      "issue_dependencies",
    ],
  };
}

/** GitHub Actions' bot: the sender of CI's check suites (`completeChecks`). */
export const ACTIONS_BOT: Required<UserSpec> = { login: "github-actions[bot]", type: "Bot", id: 41898282 };

/** GitHub Actions as an app (the `app` of the check runs and suites CI makes). */
export function actionsAppObject(): Json {
  return {
    id: 15368,
    slug: "github-actions",
    node_id: "MDM6QXBwMTUzNjg=",
    client_id: "Iv1.05c79e9ad1f6bdfa",
    owner: { ...userObject({ login: "github", id: 9919 }), type: "Organization" },
    name: "GitHub Actions",
    description: "Automate your workflow from idea to production",
    external_url: "https://help.github.com/en/actions",
    html_url: `${WEB}/apps/github-actions`,
    created_at: "2018-07-30T09:30:17Z",
    updated_at: "2024-04-10T20:33:16Z",
    permissions: { actions: "write", checks: "write", contents: "write", metadata: "read", pull_requests: "write", statuses: "write" },
    events: ["check_run", "check_suite", "pull_request", "push"],
  };
}

export function installationNodeId(installationId: number): string {
  return Buffer.from(`023:IntegrationInstallation${installationId}`).toString("base64");
}

export function repositoryObject(repo: RepoInfo): Json {
  exampleRepository ??= examplePayload<{ repository: Json }>("issues", "opened").repository;
  const api = `${API}/repos/${repo.fullName}`;
  const patched: Json = {
    ...exampleRepository,
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    visibility: repo.private ? "private" : "public",
    owner: userObject({ login: repo.owner, id: repo.owner === "Codertocat" ? 21031067 : undefined }),
    html_url: `${WEB}/${repo.fullName}`,
    url: api,
    clone_url: repo.cloneUrl,
    git_url: `git://github.com/${repo.fullName}.git`,
    ssh_url: `git@github.com:${repo.fullName}.git`,
    svn_url: `${WEB}/${repo.fullName}`,
    default_branch: repo.defaultBranch,
  };
  // Every other *_url of the example points at Codertocat/Hello-World: point them here.
  for (const [key, value] of Object.entries(patched)) {
    if (key.endsWith("_url") && key !== "clone_url" && typeof value === "string") {
      patched[key] = value.replace("https://api.github.com/repos/Codertocat/Hello-World", api);
    }
  }
  return patched;
}

export function labelObject(repo: RepoInfo, label: LabelState): Json {
  return {
    id: label.id,
    node_id: `LA_${label.id}`,
    url: `${API}/repos/${repo.fullName}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: false,
    description: label.description,
  };
}

export function apiUrl(repo: RepoInfo, rest = ""): string {
  return `${API}/repos/${repo.fullName}${rest}`;
}

export function webUrl(repo: RepoInfo, rest = ""): string {
  return `${WEB}/${repo.fullName}${rest}`;
}

/** The error body GitHub answers with. */
export function errorBody(message: string, extra: Json = {}): Json {
  return { message, documentation_url: "https://docs.github.com/rest", ...extra };
}
