/**
 * Strict HTTP mocking for GitHub: any request without a matching mock fails the test, and so
 * does any mock left unused. Bodies the app sends are captured for exact assertions (never
 * assert inside a nock matcher: the test would hang). Every request a mock answered must also be
 * one GitHub's OpenAPI description accepts (method, path, body), so a mock cannot answer a request
 * the real GitHub would reject.
 */
import nock from "nock";
import { afterEach, beforeEach, expect } from "vitest";
import { TEST_INSTALLATION_TOKEN } from "./github-app.js";
import { checkRequestAgainstSpec } from "./openapi-check.js";

export const GITHUB_API = "https://api.github.com";

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

let unmatched: string[] = [];
let recorded: RecordedRequest[] = [];

/** Call at the top of a test file. */
export function useStrictNock(): void {
  const onNoMatch = (req: { method?: string; path?: string; href?: string; hostname?: string; host?: string }) => {
    // Loopback traffic (the app's own HTTP server, local git) is real and allowed.
    const host = req.hostname ?? req.host ?? new URL(req.href ?? "http://unknown").hostname;
    if (/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host)) return;
    unmatched.push(`${req.method ?? "?"} ${req.href ?? req.path ?? "?"}`);
  };
  beforeEach(() => {
    unmatched = [];
    recorded = [];
    nock.cleanAll();
    nock.emitter.on("no match", onNoMatch);
  });
  afterEach(() => {
    nock.emitter.removeListener("no match", onNoMatch);
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(unmatched, "requests without a mock").toEqual([]);
    expect(pending, "mocks never used").toEqual([]);
    const problems = recorded.flatMap((request) => checkRequestAgainstSpec(request));
    expect(problems, "requests GitHub's OpenAPI description rejects").toEqual([]);
  });
}

/** Requests answered through `github()` so far, in order. */
export function recordedRequests(): RecordedRequest[] {
  return recorded;
}

/**
 * Adds a request answered outside `github()` (by the fake GitHub's own interceptors) to the
 * requests checked against GitHub's OpenAPI description after the test; it then also appears
 * in `recordedRequests()`.
 */
export function recordAnsweredRequest(request: RecordedRequest): void {
  recorded.push(request);
}

/** A nock scope on the GitHub API that records every request it answers. */
export function github(): nock.Scope {
  return nock(GITHUB_API).on("request", (req: { method: string; path: string }, _interceptor: unknown, body: string) => {
    recorded.push({ method: req.method, path: req.path, body: body ? safeJson(body) : undefined });
  });
}

/**
 * The installation token exchange Probot makes before acting for an installation. Probot caches
 * the token for the app's lifetime, so whether a given test triggers the exchange depends on the
 * tests before it: this mock is optional and answers any number of times.
 */
export function mockInstallationToken(installationId: number): void {
  github()
    .post(`/app/installations/${installationId}/access_tokens`)
    .optionally()
    .times(100)
    .reply(201, {
      token: TEST_INSTALLATION_TOKEN,
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      permissions: { issues: "write", contents: "write", pull_requests: "write", checks: "write", metadata: "read" },
      repository_selection: "all",
    });
}

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
