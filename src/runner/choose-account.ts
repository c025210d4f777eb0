/**
 * Which agent-provider account a run uses (DESIGN §1 "account"): the least recently used one
 * that is not at its usage limit, its secrets written into the agent's HOME when the run is
 * ready for them (`materialize`); none (the host's own login) when no account is registered or
 * accounts are off; "exhausted" when every registered account is resting.
 */
import { eq } from "drizzle-orm";
import { agents } from "../db/schema.js";
import { secretStringsOf } from "../lib/redact.js";
import { ACCOUNTS_MARKER, type RunEnd } from "../core/commands/finish-run.js";
import { materializeAccount, type MaterializedAccount } from "./accounts/account-environment.js";
import { loadAccountSecrets, updateAccountCredentials } from "./accounts/account-store.js";
import { invalidAccountCount, nextAvailableAt, pickAccount } from "./accounts/pick-account.js";
import type { RunDeps } from "./run-task.js";

export type ChosenAccount =
  | {
      accountId: string;
      /** The account's secret values, for the run's redactor: they are redacted whatever their shape. */
      secrets: string[];
      materialize(home: string): Promise<MaterializedAccount>;
    }
  | null
  | "exhausted"
  | "invalid";

export async function chooseAccount(deps: Pick<RunDeps, "database" | "settings">, agentId: string): Promise<ChosenAccount> {
  const { settings, database } = deps;
  if (settings.agent === "command" || !settings.secretKey) return null;
  const account = await pickAccount(database.db, settings.agent);
  if (!account) {
    if ((await nextAvailableAt(database.db, settings.agent)) !== null) return "exhausted";
    // No usable account at all: the host's own login, unless accounts are registered whose
    // credentials the provider refused (running on the host's login instead would surprise).
    return (await invalidAccountCount(database.db, settings.agent)) > 0 ? "invalid" : null;
  }
  await database.db.update(agents).set({ accountId: account.id }).where(eq(agents.id, agentId));
  const secrets = await loadAccountSecrets(database.db, settings.secretKey, account.id);
  const key = settings.secretKey;
  return {
    accountId: account.id,
    secrets: [
      ...(secrets.apiKey ? [secrets.apiKey] : []),
      ...secretStringsOf(secrets.credentialsJson),
      // `--env` values are secrets too (a gateway's key, a proxy's password).
      ...Object.values(secrets.env ?? {}),
    ],
    materialize: (home) =>
      materializeAccount({
        provider: account.provider,
        secrets,
        dir: home,
        // An OAuth refresh during the run rotates the tokens: keep the new ones.
        onCredentialsChanged: (json) => updateAccountCredentials(database.db, key, account.id, json),
      }),
  };
}

export async function allAccountsExhausted(deps: Pick<RunDeps, "database" | "settings">): Promise<RunEnd> {
  const until = (await nextAvailableAt(deps.database.db, deps.settings.agent)) ?? new Date(Date.now() + 60 * 60_000);
  return {
    kind: "requeue",
    reason: `every ${deps.settings.agent} account is at its usage limit`,
    runAfter: until,
    comment: {
      marker: ACCOUNTS_MARKER,
      body: `⏳ Every ${deps.settings.agent} account is at its usage limit. This task waits and starts again at ${until.toISOString()}.`,
    },
  };
}

/** Every account of the provider had its credentials refused: nothing to run on until one is fixed. */
export function allAccountsInvalid(deps: Pick<RunDeps, "settings">): RunEnd {
  const error = `the provider refused the credentials of every ${deps.settings.agent} account`;
  return {
    kind: "failed",
    error,
    comment: `❌ ${error} (HTTP 401). Fix them, check with \`codewalkers accounts test <id>\`, then \`/cw retry\`.`,
  };
}
