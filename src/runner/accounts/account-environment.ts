/**
 * Puts one account's secrets where its agent CLI looks for them, and nowhere else: the returned
 * environment names only this account's key or files, so an agent never sees another account
 * (nor the host's own login, since HOME and the config dir point into the account's directory).
 *
 * The directory is the agent's HOME (`containment/agent-session.ts`: stable per task and
 * account): claude and codex keep their sessions there, and resuming a session needs the same
 * directory. An earlier agent owned it, so nothing in it is trusted: links it left are replaced,
 * never followed (`containment/safe-files.ts`). Agents sharing a directory share the files: they
 * are written by the first and removed after the last (`cleanup`).
 */
import { randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { readAgentFile, realDirectory } from "../containment/safe-files.js";
import type { AccountSecrets } from "./account-store.js";

export interface MaterializeOptions {
  provider: string;
  secrets: AccountSecrets;
  /** The account's own directory, the same on every run: `accountDir(workDir, accountId)`. */
  dir: string;
  /**
   * Called by the last `cleanup` with the credentials file when the agent rewrote it (an OAuth
   * refresh rotates the tokens), so the caller can store it: `updateAccountCredentials`.
   */
  onCredentialsChanged?: (credentialsJson: string) => Promise<void>;
}

export interface MaterializedAccount {
  /** Variables to add to the agent's (otherwise scrubbed) environment. */
  env: Record<string, string>;
  /** Removes the credentials files once no agent of this account uses them; keeps sessions. */
  cleanup(): Promise<void>;
}

interface Layout {
  env: Record<string, string>;
  /** Directories to create with 0700. */
  dirs: string[];
  /** The secret file, removed at cleanup. */
  credentialsFile?: string;
  /** Config files, written when absent and kept: the agent CLI keeps its own state in them. */
  configFiles: string[];
  /** Files the runner owns, written on every run (the account's settings may have changed). */
  settingsFiles?: { file: string; content: string }[];
}

interface Holder {
  count: number;
  credentialsFile: string | undefined;
  written: string | undefined;
  onCredentialsChanged: MaterializeOptions["onCredentialsChanged"];
}

const holders = new Map<string, Holder>();
/** Materialize and cleanup of one directory take turns, so a cleanup never races a write. */
const turns = new Map<string, Promise<unknown>>();

/** `<workDir>/accounts/<accountId>`: stable per account, so sessions can be resumed. */
export function accountDir(workDir: string, accountId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(accountId)) throw new Error(`invalid account id "${accountId}"`);
  return path.join(path.resolve(workDir), "accounts", accountId);
}

export async function materializeAccount(options: MaterializeOptions): Promise<MaterializedAccount> {
  const dir = path.resolve(options.dir);
  const layout = layoutFor(options.provider, options.secrets, dir);
  await inTurn(dir, async () => {
    const holder = holders.get(dir);
    if (holder) {
      // Another agent of this account is running: its files are current (maybe refreshed).
      holder.count += 1;
      return;
    }
    await privateDir(dir);
    for (const d of layout.dirs) await realDirectory(dir, path.relative(dir, d));
    if (layout.credentialsFile) await writePrivateFile(layout.credentialsFile, options.secrets.credentialsJson!);
    for (const { file, content } of layout.settingsFiles ?? []) {
      await isRealFile(file);
      await writePrivateFile(file, content);
    }
    if (options.secrets.configJson !== undefined) {
      for (const file of layout.configFiles) {
        if (!(await isRealFile(file))) await writePrivateFile(file, options.secrets.configJson);
      }
    }
    holders.set(dir, {
      count: 1,
      credentialsFile: layout.credentialsFile,
      written: layout.credentialsFile ? options.secrets.credentialsJson : undefined,
      onCredentialsChanged: options.onCredentialsChanged,
    });
  });

  let cleaned = false;
  return {
    env: layout.env,
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      await inTurn(dir, async () => {
        const holder = holders.get(dir);
        if (!holder) return;
        holder.count -= 1;
        if (holder.count > 0) return;
        holders.delete(dir);
        if (!holder.credentialsFile) return;
        try {
          const read = await readAgentFile(dir, path.relative(dir, holder.credentialsFile), 1_000_000);
          const current = read.kind === "file" ? read.text : undefined;
          if (current !== undefined && current !== holder.written && holder.onCredentialsChanged) {
            await holder.onCredentialsChanged(current);
          }
        } finally {
          await rm(holder.credentialsFile, { force: true });
        }
      });
    },
  };
}

function layoutFor(provider: string, secrets: AccountSecrets, dir: string): Layout {
  // The account's own variables first: its provider's keys and folders below win over them.
  const env: Record<string, string> = { ...(secrets.env ?? {}) };
  const hasCredentials = secrets.credentialsJson !== undefined;
  switch (provider) {
    case "claude": {
      const configDir = path.join(dir, ".claude");
      Object.assign(env, { HOME: dir, CLAUDE_CONFIG_DIR: configDir });
      if (secrets.apiKey !== undefined) env.ANTHROPIC_API_KEY = secrets.apiKey;
      // Claude Code reads its API's address from the environment.
      if (secrets.baseUrl !== undefined) env.ANTHROPIC_BASE_URL = secrets.baseUrl;
      return {
        env,
        dirs: [configDir],
        ...(hasCredentials ? { credentialsFile: path.join(configDir, ".credentials.json") } : {}),
        // Claude reads $HOME/.claude.json, or $CLAUDE_CONFIG_DIR/.claude.json when that is set
        // (the versions differ): both hold the account's config.
        configFiles: [path.join(dir, ".claude.json"), path.join(configDir, ".claude.json")],
      };
    }
    case "codex": {
      const codexHome = path.join(dir, ".codex");
      env.CODEX_HOME = codexHome;
      // `codex exec` authenticates with CODEX_API_KEY; it sends no key at all for OPENAI_API_KEY.
      if (secrets.apiKey !== undefined) env.CODEX_API_KEY = secrets.apiKey;
      return {
        env,
        dirs: [codexHome],
        ...(hasCredentials ? { credentialsFile: path.join(codexHome, "auth.json") } : {}),
        configFiles: [],
        // Codex reads its API's address only from config.toml (OPENAI_BASE_URL is ignored).
        settingsFiles: [
          { file: path.join(codexHome, "config.toml"), content: codexConfigToml(secrets.baseUrl, secrets.apiKey !== undefined ? "api_key" : "login") },
        ],
      };
    }
    default: {
      if (secrets.apiKey !== undefined) env.CW_AGENT_API_KEY = secrets.apiKey;
      const credentialsFile = path.join(dir, "credentials.json");
      const configFile = path.join(dir, "config.json");
      if (hasCredentials) env.CW_AGENT_CREDENTIALS_FILE = credentialsFile;
      if (secrets.configJson !== undefined) env.CW_AGENT_CONFIG_FILE = configFile;
      return { env, dirs: [], ...(hasCredentials ? { credentialsFile } : {}), configFiles: [configFile] };
    }
  }
}

/**
 * The runner's config.toml for a codex account: its base URL, if it has one, as a model provider
 * of its own (`codexProvider`).
 */
export function codexConfigToml(baseUrl: string | undefined, auth: CodexAuth = "api_key"): string {
  const lines = ["# Written by Codewalkers for this account on every run; edits are lost."];
  if (baseUrl !== undefined) {
    const provider = codexProvider(baseUrl, auth);
    lines.push(`model_provider = ${JSON.stringify(CODEX_PROVIDER_ID)}`, "", `[model_providers.${CODEX_PROVIDER_ID}]`);
    for (const [key, value] of Object.entries(provider)) lines.push(`${key} = ${JSON.stringify(value)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** How a codex account authenticates: an API key (CODEX_API_KEY) or a login (auth.json). */
export type CodexAuth = "api_key" | "login";

export const CODEX_PROVIDER_ID = "codewalkers";

/**
 * Codex pointed at another address. Not `openai_base_url`: with it, codex 0.17x first tries the
 * Responses API over a WebSocket at that address, and only after five failed reconnects (seconds,
 * and an error event each) falls back to HTTPS, which an OpenAI-compatible gateway is likely all
 * to offer. A provider of its own says `supports_websockets = false`, and takes the key from
 * CODEX_API_KEY (an API-key account) or the login in auth.json (`requires_openai_auth`).
 */
export function codexProvider(baseUrl: string, auth: CodexAuth): Record<string, string | boolean> {
  return {
    name: "Codewalkers account",
    base_url: baseUrl,
    wire_api: "responses",
    supports_websockets: false,
    ...(auth === "api_key" ? { env_key: "CODEX_API_KEY" } : { requires_openai_auth: true }),
  };
}

/** The same provider as `codex -c` overrides (the runner's own base URL, without an account). */
export function codexProviderOverrides(baseUrl: string, auth: CodexAuth): string[] {
  const provider = codexProvider(baseUrl, auth);
  return [
    "-c",
    `model_provider=${JSON.stringify(CODEX_PROVIDER_ID)}`,
    ...Object.entries(provider).flatMap(([key, value]) => ["-c", `model_providers.${CODEX_PROVIDER_ID}.${key}=${JSON.stringify(value)}`]),
  ];
}

async function inTurn<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const previous = turns.get(dir) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => {});
  turns.set(dir, tail);
  try {
    return await run;
  } finally {
    if (turns.get(dir) === tail) turns.delete(dir);
  }
}

async function privateDir(dir: string): Promise<void> {
  await mkdir(path.dirname(dir), { recursive: true, mode: 0o700 });
  await realDirectory(path.dirname(dir), path.basename(dir));
  // An existing directory keeps its mode, and the umask may have narrowed a new one.
  await chmod(dir, 0o700);
}

/** Written to a temporary file (0600 from the start) and renamed: never seen half-written. */
async function writePrivateFile(file: string, content: string): Promise<void> {
  const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, content, { mode: 0o600, flag: "wx" });
    await chmod(temporary, 0o600);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A regular file, not a link an earlier agent left in its place. */
async function isRealFile(file: string): Promise<boolean> {
  const info = await lstat(file).catch(() => undefined);
  if (info?.isSymbolicLink()) await rm(file, { force: true });
  return info?.isFile() === true;
}
