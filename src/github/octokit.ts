/**
 * The Octokit the app uses. Probot's in-memory throttling and retries are turned off: the
 * outbox retries durably (the wait is stored on the row and survives a restart) and a failed
 * handler is retried from the inbox, so there is one retry mechanism, not two stacked.
 */
import { ProbotOctokit } from "probot";
import { githubRateRemaining, githubRequestsTotal } from "../server/metrics.js";

export type AppOctokit = InstanceType<typeof ProbotOctokit>;

/** Every GitHub request counted by status for /metrics, and the rate budget GitHub says is left. */
function rateBudget(headers: Record<string, unknown> | undefined): void {
  const left = Number(headers?.["x-ratelimit-remaining"]);
  if (Number.isFinite(left)) githubRateRemaining.set({ resource: String(headers?.["x-ratelimit-resource"] ?? "core") }, left);
}

export const AppOctokitClass = ProbotOctokit.plugin((octokit) => {
  octokit.hook.after("request", (response) => {
    githubRequestsTotal.inc({ status: String(response.status) });
    rateBudget(response.headers);
  });
  octokit.hook.error("request", (error) => {
    const failure = error as { status?: number; response?: { headers?: Record<string, unknown> } };
    githubRequestsTotal.inc({ status: String(failure.status ?? 0) });
    rateBudget(failure.response?.headers);
    throw error;
  });
}).defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object | undefined), enabled: false },
}));
