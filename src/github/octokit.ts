/**
 * The Octokit the app uses. Probot's in-memory throttling and retries are turned off: the
 * outbox retries durably (the wait is stored on the row and survives a restart) and a failed
 * handler is retried from the inbox, so there is one retry mechanism, not two stacked.
 */
import { ProbotOctokit } from "probot";
import { githubRateRemaining, githubRequestsTotal } from "../server/metrics.js";

export type AppOctokit = InstanceType<typeof ProbotOctokit>;

/** Every GitHub request counted by status for /metrics, and the rate budget GitHub says is left. */
function requestMetrics(octokit: { hook: { after: Function; error: Function } }): void {
  const budget = (headers: Record<string, unknown> | undefined) => {
    const left = Number(headers?.["x-ratelimit-remaining"]);
    if (Number.isFinite(left)) githubRateRemaining.set({ resource: String(headers?.["x-ratelimit-resource"] ?? "core") }, left);
  };
  octokit.hook.after("request", (response: { status: number; headers: Record<string, unknown> }) => {
    githubRequestsTotal.inc({ status: String(response.status) });
    budget(response.headers);
  });
  octokit.hook.error("request", (error: { status?: number; response?: { headers?: Record<string, unknown> } }) => {
    githubRequestsTotal.inc({ status: String(error.status ?? 0) });
    budget(error.response?.headers);
    throw error;
  });
}

export const AppOctokitClass = ProbotOctokit.plugin(requestMetrics).defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object | undefined), enabled: false },
}));
