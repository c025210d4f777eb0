/**
 * The provider refused the run's credentials (HTTP 401). Retrying with the same key would only
 * be refused again, as often as the retries allow (a storm of failed runs and comments), so:
 *   - on an account: the account is set aside (`invalid_reason`) until `codewalkers accounts test`
 *     finds it working, and the task moves on to another account at once — or, when none is
 *     left, fails — with one comment that says which account and what to do;
 *   - on the host's own key or login: the task fails at once, saying so.
 */
import { eq } from "drizzle-orm";
import type { RunEnd } from "../core/commands/finish-run.js";
import { accounts } from "../db/schema.js";
import { markInvalid } from "./accounts/account-store.js";
import { nextAvailableAt } from "./accounts/pick-account.js";
import { describeFailure } from "./run-comments.js";
import type { RunDeps } from "./run-task.js";

export const CREDENTIALS_MARKER = "credentials-refused";

export async function credentialsRefused(
  deps: Pick<RunDeps, "database" | "settings">,
  accountId: string | null,
  message: string,
  logTail: string,
): Promise<RunEnd> {
  const agent = deps.settings.agent;
  if (!accountId) {
    const error = `the provider refused the credentials (HTTP 401) — ${message}`;
    return {
      kind: "failed",
      error,
      comment: describeFailure(
        null,
        `${error}. No ${agent} account is registered, so the runner's own key or login was used: fix it (CW_AGENT_ENV, or \`codewalkers accounts add\`), then \`/cw retry\``,
        logTail,
      ),
    };
  }
  const db = deps.database.db;
  await markInvalid(db, accountId, message);
  const [account] = await db.select({ email: accounts.email }).from(accounts).where(eq(accounts.id, accountId));
  const who = `${agent} account ${account?.email ?? accountId} (\`${accountId}\`)`;
  const fix = `Fix its credentials and check them with \`codewalkers accounts test ${accountId}\`: it is used again once they work.`;
  if ((await nextAvailableAt(db, agent)) === null) {
    const error = `the provider refused the credentials of ${who} (HTTP 401), and no other ${agent} account is usable`;
    return { kind: "failed", error, comment: describeFailure(null, `${error}. ${fix} Then \`/cw retry\`.`, logTail) };
  }
  return {
    kind: "requeue",
    reason: `the provider refused the credentials of ${who}`,
    runAfter: null,
    comment: {
      marker: CREDENTIALS_MARKER,
      body: `🔑 The provider refused the credentials of ${who} (HTTP 401); it is set aside and this task moves on to another account. ${fix}`,
    },
  };
}

/** Says something about how the run went (a session that had to start afresh) at the top of its comment. */
export function withNotice(end: RunEnd, notice: string): RunEnd {
  const note = `> ℹ️ ${notice}\n\n`;
  switch (end.kind) {
    case "completed":
    case "questions":
    case "retry":
    case "failed":
    case "stopped":
      return { ...end, comment: `${note}${end.comment}` };
    case "requeue":
      return end.comment ? { ...end, comment: { ...end.comment, body: `${note}${end.comment.body}` } } : end;
    case "verify-failed":
      // Its findings become a fix task's issue: the notice goes to the log only.
      return end;
  }
}
