/**
 * Registered agent-provider accounts. Secrets are sealed with CW_SECRET_KEY before they reach
 * the database: `credentials` holds the provider's credentials file, or `{"apiKey": "…"}` for an
 * API key; `config_json` holds the provider's config file. Views for listing never carry them.
 */
import { and, asc, eq, isNull, or } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { accounts } from "../../db/schema.js";
import { openSecret, sealSecret } from "../../lib/secret-box.js";
import { isForbiddenAgentEnv } from "../agents/agent-env-names.js";

export type Account = typeof accounts.$inferSelect;
/** "claude" and "codex" have adapters that know their files; any other name gets CW_AGENT_API_KEY. */
export type AccountProvider = "claude" | "codex" | (string & {});

export interface NewAccount {
  email: string;
  provider: AccountProvider;
  apiKey?: string | undefined;
  /** The provider's credentials file, e.g. claude's `.credentials.json` or codex's `auth.json`. */
  credentialsJson?: string | undefined;
  /** The provider's config file, e.g. claude's `.claude.json`. */
  configJson?: string | undefined;
  /** Ties in "least recently used" are broken by sort order, lowest first. */
  sortOrder?: number | undefined;
  /** Variables this account's agents get (`--env KEY=VALUE`), e.g. a gateway's header or proxy. */
  env?: Record<string, string> | undefined;
  /** Where this account's CLI sends its requests (`--base-url`): a gateway or a compatible API. */
  baseUrl?: string | undefined;
}

export interface AccountSecrets {
  apiKey?: string;
  credentialsJson?: string;
  configJson?: string;
  env?: Record<string, string>;
  baseUrl?: string;
}

/** What may be shown anywhere: never a secret. */
export interface AccountView {
  id: string;
  email: string;
  provider: string;
  /** Exhausted now (a reset time that has passed no longer counts). */
  exhausted: boolean;
  exhaustedUntil: Date | null;
  lastUsedAt: Date | null;
  sortOrder: number;
  hasCredentials: boolean;
  hasConfig: boolean;
  /** The names of its `--env` variables (never their values) and its base URL. */
  envNames: string[];
  baseUrl: string | null;
  /** Why the provider refused its credentials; null while they work. */
  invalidReason: string | null;
}

/** A mistake the operator can fix; the message never contains a secret. */
export class AccountError extends Error {
  override name = "AccountError";
}

const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export async function addAccount(db: DbOrTx, key: Buffer, input: NewAccount): Promise<AccountView> {
  const email = input.email.trim();
  const provider = input.provider.trim().toLowerCase();
  if (!email) throw new AccountError("an account needs an email (or another name for it)");
  if (!PROVIDER_NAME.test(provider)) {
    throw new AccountError(`provider "${input.provider}" must be a name like claude, codex or my-agent`);
  }
  const apiKey = input.apiKey?.trim();
  if (input.apiKey !== undefined && !apiKey) throw new AccountError("the API key is empty");
  if (apiKey && /\s/.test(apiKey)) throw new AccountError("the API key contains whitespace");
  if (!apiKey && input.credentialsJson === undefined) {
    throw new AccountError("an account needs an API key or a credentials file");
  }
  if (apiKey && input.credentialsJson !== undefined) {
    throw new AccountError("give an API key or a credentials file, not both");
  }
  if (input.credentialsJson !== undefined) requireJsonObject(input.credentialsJson, "the credentials file");
  if (input.configJson !== undefined) {
    if (provider === "codex") {
      throw new AccountError("codex keeps its settings in config.toml: a config file is for claude or other providers");
    }
    requireJsonObject(input.configJson, "the config file");
  }
  const [existing] = await db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(eq(accounts.email, email), eq(accounts.provider, provider)));
  if (existing) throw new AccountError(`a ${provider} account for ${email} is already registered; remove it first`);
  const settings = accountSettings(input);
  const credentials = apiKey ? JSON.stringify({ apiKey }) : input.credentialsJson;
  const [row] = await db
    .insert(accounts)
    .values({
      email,
      provider,
      credentials: credentials === undefined ? null : sealSecret(key, credentials),
      configJson: input.configJson === undefined ? null : sealSecret(key, input.configJson),
      settings: settings === undefined ? null : sealSecret(key, JSON.stringify(settings)),
      sortOrder: input.sortOrder ?? 0,
    })
    .returning();
  return toView(row!, undefined, key);
}

export async function listAccounts(db: DbOrTx, now: Date = new Date(), key?: Buffer): Promise<AccountView[]> {
  const rows = await db.select().from(accounts).orderBy(asc(accounts.provider), asc(accounts.sortOrder), asc(accounts.createdAt), asc(accounts.id));
  return rows.map((row) => toView(row, now, key));
}

/** The one account whose id or email is `idOrEmail`. */
export async function findAccount(db: DbOrTx, idOrEmail: string): Promise<Account> {
  const wanted = idOrEmail.trim();
  const matches = await db
    .select()
    .from(accounts)
    .where(or(eq(accounts.id, wanted), eq(accounts.email, wanted)));
  if (matches.length === 0) throw new AccountError(`no account has the id or email "${wanted}"`);
  if (matches.length > 1) {
    const ids = matches.map((m) => `${m.id} (${m.provider})`).join(", ");
    throw new AccountError(`${matches.length} accounts match "${wanted}"; name one by id: ${ids}`);
  }
  return matches[0]!;
}

/**
 * The provider refused the account's credentials (401): it is skipped until `accounts test`
 * finds them working again. Returns false when it was marked already (the comment is said once).
 */
export async function markInvalid(db: DbOrTx, id: string, reason: string, now: Date = new Date()): Promise<boolean> {
  const marked = await db
    .update(accounts)
    .set({ invalidReason: reason, invalidAt: now, updatedAt: now })
    .where(and(eq(accounts.id, id), isNull(accounts.invalidReason)))
    .returning({ id: accounts.id });
  return marked.length > 0;
}

export async function markValid(db: DbOrTx, id: string): Promise<void> {
  await db.update(accounts).set({ invalidReason: null, invalidAt: null, updatedAt: new Date() }).where(eq(accounts.id, id));
}

/** Removes the one account whose id or email is `idOrEmail`; agents that used it keep a null account. */
export async function removeAccount(db: DbOrTx, idOrEmail: string): Promise<AccountView> {
  const wanted = idOrEmail.trim();
  const matches = await db
    .select()
    .from(accounts)
    .where(or(eq(accounts.id, wanted), eq(accounts.email, wanted)));
  if (matches.length === 0) throw new AccountError(`no account has the id or email "${wanted}"`);
  if (matches.length > 1) {
    const ids = matches.map((m) => `${m.id} (${m.provider})`).join(", ");
    throw new AccountError(`${matches.length} accounts match "${wanted}"; remove one by id: ${ids}`);
  }
  const [removed] = await db.delete(accounts).where(eq(accounts.id, matches[0]!.id)).returning();
  if (!removed) throw new AccountError(`no account has the id or email "${wanted}"`);
  return toView(removed);
}

/** The account's secrets in clear, for the runner to hand to that account's agent only. */
export async function loadAccountSecrets(db: DbOrTx, key: Buffer, id: string): Promise<AccountSecrets> {
  const [row] = await db
    .select({ credentials: accounts.credentials, configJson: accounts.configJson, settings: accounts.settings })
    .from(accounts)
    .where(eq(accounts.id, id));
  if (!row) throw new AccountError(`no account has the id "${id}"`);
  const secrets: AccountSecrets = {};
  if (row.credentials !== null) {
    const credentials = openSecret(key, row.credentials);
    const apiKey = apiKeyOf(credentials);
    if (apiKey !== undefined) secrets.apiKey = apiKey;
    else secrets.credentialsJson = credentials;
  }
  if (row.configJson !== null) secrets.configJson = openSecret(key, row.configJson);
  if (row.settings !== null) Object.assign(secrets, JSON.parse(openSecret(key, row.settings)) as Pick<AccountSecrets, "env" | "baseUrl">);
  return secrets;
}

/**
 * Replaces a credentials file the provider rewrote (an OAuth refresh rotates its tokens, and the
 * old refresh token stops working), so the next run starts from the current one.
 */
export async function updateAccountCredentials(db: DbOrTx, key: Buffer, id: string, credentialsJson: string): Promise<void> {
  requireJsonObject(credentialsJson, "the credentials file");
  const updated = await db
    .update(accounts)
    .set({ credentials: sealSecret(key, credentialsJson) })
    .where(eq(accounts.id, id))
    .returning({ id: accounts.id });
  if (updated.length === 0) throw new AccountError(`no account has the id "${id}"`);
}

/** An API key is stored as exactly `{"apiKey": "…"}`; anything else is a credentials file. */
function apiKeyOf(credentials: string): string | undefined {
  try {
    const value: unknown = JSON.parse(credentials);
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const keys = Object.keys(value);
      const apiKey = (value as { apiKey?: unknown }).apiKey;
      if (keys.length === 1 && typeof apiKey === "string") return apiKey;
    }
  } catch {
    // Not JSON: a credentials file in some other format.
  }
  return undefined;
}

/** `--env` and `--base-url`, checked: variable names an agent may be given, an http(s) URL. */
function accountSettings(input: NewAccount): Pick<AccountSecrets, "env" | "baseUrl"> | undefined {
  const env = input.env ?? {};
  for (const name of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new AccountError(`--env ${JSON.stringify(name.slice(0, 64))} is not a variable name`);
    if (isForbiddenAgentEnv(name)) throw new AccountError(`--env ${name}: the app's own secrets and settings are never given to agents`);
  }
  let baseUrl: string | undefined;
  if (input.baseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(input.baseUrl.trim());
    } catch {
      throw new AccountError("--base-url must be a URL, e.g. https://gateway.example.com/anthropic");
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new AccountError("--base-url must be an http or https URL");
    if (url.username || url.password) throw new AccountError("--base-url must not carry credentials: give the key with --api-key-env or --env");
    baseUrl = url.toString().replace(/\/$/, "");
  }
  if (Object.keys(env).length === 0 && baseUrl === undefined) return undefined;
  return { ...(Object.keys(env).length > 0 ? { env } : {}), ...(baseUrl !== undefined ? { baseUrl } : {}) };
}

function requireJsonObject(text: string, what: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input, which is a secret: say only where it is wrong.
    throw new AccountError(`${what} is not valid JSON`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new AccountError(`${what} must hold a JSON object`);
  }
}

/** `key` opens the settings to show the names of its variables; without it they show as stored. */
export function toView(row: Account, now: Date = new Date(), key?: Buffer): AccountView {
  let settings: Pick<AccountSecrets, "env" | "baseUrl"> = {};
  if (row.settings !== null && key) {
    try {
      settings = JSON.parse(openSecret(key, row.settings)) as typeof settings;
    } catch {
      // Sealed with another key: shown without its settings.
    }
  }
  return {
    id: row.id,
    email: row.email,
    provider: row.provider,
    exhausted: row.isExhausted && (row.exhaustedUntil === null || row.exhaustedUntil > now),
    exhaustedUntil: row.isExhausted ? row.exhaustedUntil : null,
    lastUsedAt: row.lastUsedAt,
    sortOrder: row.sortOrder,
    hasCredentials: row.credentials !== null,
    hasConfig: row.configJson !== null,
    envNames: Object.keys(settings.env ?? {}),
    baseUrl: settings.baseUrl ?? null,
    invalidReason: row.invalidReason,
  };
}
