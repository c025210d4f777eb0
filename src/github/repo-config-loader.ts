/**
 * Reads `.github/codewalkers.yml` through Probot's config loader (which also honours the owner's
 * `.github` repository and `_extends`), validates it, and remembers the answer briefly: a burst
 * of events on one repository reads the file once.
 */
import type { Context } from "probot";
import { DEFAULT_REPO_CONFIG, parseRepoConfig, type RepoConfig } from "../core/repo-config.js";

export const REPO_CONFIG_FILE = "codewalkers.yml";

export type RepoConfigResult = { ok: true; config: RepoConfig } | { ok: false; error: string };

export interface RepoConfigLoader {
  load(context: Pick<Context, "config" | "repo">): Promise<RepoConfigResult>;
  /** What `load` would answer without reading GitHub, when it remembers an answer. */
  peek(context: Pick<Context, "repo">): RepoConfigResult | undefined;
  forget(fullName: string): void;
}

export function createRepoConfigLoader(options: { ttlMs?: number; now?: () => number } = {}): RepoConfigLoader {
  const ttl = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { until: number; result: RepoConfigResult }>();
  function peek(context: Pick<Context, "repo">): RepoConfigResult | undefined {
    const { owner, repo } = context.repo();
    const hit = cache.get(`${owner}/${repo}`.toLowerCase());
    return hit && hit.until > now() ? hit.result : undefined;
  }

  return {
    async load(context) {
      const remembered = peek(context);
      if (remembered) return remembered;
      const { owner, repo } = context.repo();
      const key = `${owner}/${repo}`.toLowerCase();
      let result: RepoConfigResult;
      try {
        const raw = await context.config(REPO_CONFIG_FILE);
        result = raw === null ? { ok: true, config: DEFAULT_REPO_CONFIG } : parseRepoConfig(raw);
      } catch (error) {
        // A file that is not YAML is the user's to fix, like an invalid field; anything else
        // (GitHub down) is ours to retry, and is not remembered.
        if (!(error instanceof Error) || !/could not be parsed|Recursion detected/.test(error.message)) throw error;
        const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
        result = { ok: false, error: `${error.message.replace("[@probot/octokit-plugin-config] ", "")}${cause}` };
      }
      cache.set(key, { until: now() + ttl, result });
      return result;
    },
    peek,
    forget(fullName) {
      cache.delete(fullName.toLowerCase());
    },
  };
}
