/**
 * Who may start or steer work: people with write access (admin, maintain, write). Everyone
 * else, and every bot, gets one polite refusal and nothing happens. An agent run spends money
 * and pushes code, so when the answer cannot be had the door stays shut.
 */
import { classifyGitHubError } from "./classify-error.js";
import type { AppOctokit } from "./octokit.js";

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none" | "unknown";

export interface PermissionDecision {
  allowed: boolean;
  permission: Permission;
  /** Why not, for the log; absent when allowed. */
  reason?: string;
}

export interface PermissionQuery {
  owner: string;
  repo: string;
  login: string;
  /** The sender's `type` from the webhook payload ("User", "Bot", "Organization"). */
  userType?: string | undefined;
}

export interface PermissionChecker {
  check(octokit: AppOctokit, query: PermissionQuery): Promise<PermissionDecision>;
  /** The decision `check` would give without asking GitHub, when it has one (remembered, or a bot). */
  peek(query: PermissionQuery): PermissionDecision | undefined;
  /** Drops remembered decisions for one person, or for everyone on the repository. */
  forget(owner: string, repo: string, login?: string): void;
}

export interface PermissionCheckerOptions {
  /** How long a decision is remembered (default 60 s): a burst of events asks GitHub once. */
  ttlMs?: number;
  now?: () => number;
}

const WRITERS: ReadonlySet<Permission> = new Set(["admin", "maintain", "write"]);
const ROLES: ReadonlySet<string> = new Set(["admin", "maintain", "write", "triage", "read"]);
/** The legacy `permission` field reports maintain as write and triage as read. */
const LEGACY_PERMISSIONS: ReadonlySet<string> = new Set(["admin", "write", "read", "none"]);
const DEFAULT_TTL_MS = 60_000;
/** Enough for every active person on many repositories; beyond it the oldest go first. */
const MAX_ENTRIES = 10_000;

export function createPermissionChecker(options: PermissionCheckerOptions = {}): PermissionChecker {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const now = options.now ?? Date.now;
  const remembered = new Map<string, { until: number; decision: PermissionDecision }>();
  // Concurrent checks for the same person share one request.
  const pending = new Map<string, Promise<PermissionDecision>>();

  async function ask(octokit: AppOctokit, query: PermissionQuery): Promise<{ decision: PermissionDecision; cacheable: boolean }> {
    const { owner, repo, login } = query;
    try {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: login });
      return { decision: decide(data.role_name, data.permission), cacheable: true };
    } catch (error) {
      const classified = classifyGitHubError(error);
      if (classified.kind === "not-found") {
        return { decision: { allowed: false, permission: "none", reason: "not a collaborator on this repository" }, cacheable: true };
      }
      // Fail closed, and ask again next time: the failure is ours, not the person's.
      return {
        decision: {
          allowed: false,
          permission: "unknown",
          reason: `permission could not be checked (${classified.kind}: ${classified.message})`,
        },
        cacheable: false,
      };
    }
  }

  function peek(query: PermissionQuery): PermissionDecision | undefined {
    if (isBot(query)) return { allowed: false, permission: "none", reason: "bots cannot start work" };
    const hit = remembered.get(cacheKey(query.owner, query.repo, query.login));
    return hit && now() < hit.until ? hit.decision : undefined;
  }

  return {
    async check(octokit, query) {
      const known = peek(query);
      if (known) return known;
      const key = cacheKey(query.owner, query.repo, query.login);
      const inFlight = pending.get(key);
      if (inFlight) return inFlight;

      const request = ask(octokit, query).then(({ decision, cacheable }) => {
        // A forget() while the request was out makes its answer stale: use it, don't keep it.
        if (pending.get(key) === request) {
          pending.delete(key);
          if (cacheable && ttlMs > 0) remember(key, decision);
        }
        return decision;
      });
      pending.set(key, request);
      return request;
    },

    peek,

    forget(owner, repo, login) {
      if (login !== undefined) {
        const key = cacheKey(owner, repo, login);
        remembered.delete(key);
        pending.delete(key);
        return;
      }
      const prefix = cacheKey(owner, repo, "");
      for (const map of [remembered, pending]) {
        for (const key of map.keys()) if (key.startsWith(prefix)) map.delete(key);
      }
    },
  };

  function remember(key: string, decision: PermissionDecision): void {
    remembered.delete(key); // re-inserted last: Map order is the eviction order
    remembered.set(key, { until: now() + ttlMs, decision });
    while (remembered.size > MAX_ENTRIES) {
      const oldest = remembered.keys().next();
      if (oldest.done) break;
      remembered.delete(oldest.value);
    }
  }
}

/** The five repository roles are used as they are; a custom role counts as its base permission. */
function decide(roleName: string | undefined, legacy: string | undefined): PermissionDecision {
  const role = roleName?.toLowerCase();
  const base = legacy?.toLowerCase();
  let permission: Permission;
  if (role !== undefined && ROLES.has(role)) permission = role as Permission;
  else if (base !== undefined && LEGACY_PERMISSIONS.has(base)) permission = base as Permission;
  else return { allowed: false, permission: "unknown", reason: `unrecognised permission ${JSON.stringify(legacy ?? null)}` };
  if (WRITERS.has(permission)) return { allowed: true, permission };
  return { allowed: false, permission, reason: `${permission} access; write access is needed` };
}

function isBot(query: PermissionQuery): boolean {
  return query.userType?.toLowerCase() === "bot" || query.login.toLowerCase().endsWith("[bot]");
}

/** Logins and repository names are case-insensitive on GitHub. The separator cannot occur in any. */
function cacheKey(owner: string, repo: string, login: string): string {
  return `${owner}/${repo}\n${login}`.toLowerCase();
}

/**
 * The one reply an unauthorised person gets. `what` completes "can … with Codewalkers", e.g.
 * "start work" or "run `/cw stop`".
 */
export function politeRefusal(login: string, what: string): string {
  return (
    `@${login} thanks — only people with write access to this repository can ${what} with Codewalkers. ` +
    "Ask a maintainer to add the label or run the command."
  );
}
