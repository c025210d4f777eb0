/**
 * The Octokit the app uses. Probot's in-memory throttling and retries are turned off: the
 * outbox retries durably (the wait is stored on the row and survives a restart) and a failed
 * handler is retried from the inbox, so there is one retry mechanism, not two stacked.
 */
import { ProbotOctokit } from "probot";

export type AppOctokit = InstanceType<typeof ProbotOctokit>;

export const AppOctokitClass = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object | undefined), enabled: false },
}));
