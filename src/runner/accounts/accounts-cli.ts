/**
 * `codewalkers accounts add | list | remove | help`. A secret never comes from the command line
 * itself (it would stay in shell history and show in `ps`): an API key is read from a named
 * environment variable or from stdin, credentials and config from files.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { Db } from "../../db/client.js";
import { AccountError, addAccount, listAccounts, removeAccount, type AccountView } from "./account-store.js";
import { SecretBoxError } from "../../lib/secret-box.js";
import { probeAccount, type ProbeOptions } from "./account-probe.js";

export interface AccountsCliContext {
  db: Db;
  /** CW_SECRET_KEY; only `add` needs it. */
  key: Buffer | undefined;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Where --api-key-env looks (process.env by default). */
  env?: NodeJS.ProcessEnv;
  /** What --api-key-stdin reads (all of process.stdin by default). */
  readStdin?: () => Promise<string>;
  /** For `test`: the runner's CW_AGENT_ENV names and extra agent variables. */
  probe?: ProbeOptions;
}

export const ACCOUNTS_USAGE = `Usage: codewalkers accounts <command>

Commands:
  add --email <email> [--provider claude|codex|<name>] [--api-key-env <VAR> | --api-key-stdin]
      [--credentials-file <path>] [--config-file <path>] [--sort-order <n>]
      [--env KEY=VALUE | --env KEY]... [--base-url <url>]
            register an account; its secrets are stored encrypted with CW_SECRET_KEY
  list      show the accounts (never their secrets)
  test <id|email>
            make one tiny request through the account's CLI and say whether its credentials work
  remove <id|email>
            delete an account
  help      show this text

An API key is never taken as an argument (it would stay in shell history and show in ps):
  --api-key-env VAR   read it from the environment variable VAR
  --api-key-stdin     read it from standard input, e.g. < key.txt
For claude, --credentials-file is ~/.claude/.credentials.json and --config-file ~/.claude.json;
for codex, --credentials-file is ~/.codex/auth.json.
--env KEY=VALUE gives this account's agents a variable (stored encrypted, its value redacted from
their output); --env KEY takes the value from this command's environment.
--base-url points the CLI at a gateway or a compatible API: claude gets ANTHROPIC_BASE_URL, codex
a model provider of its own in its config.toml (that base_url, no WebSockets).`;

export const MISSING_KEY_MESSAGE = "set CW_SECRET_KEY to 64 hex characters or 32 bytes base64; generate one with: openssl rand -hex 32";

/** Exit codes: 0 done, 1 failed (a file, a key, the database), 2 wrong usage. */
class UsageError extends Error {}

export async function runAccountsCli(argv: string[], context: AccountsCliContext): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "add":
        return await add(rest, context);
      case "list":
        return await list(rest, context);
      case "test":
        return await test(rest, context);
      case "remove":
      case "rm":
        return await remove(rest, context);
      case "help":
      case "--help":
      case "-h":
        context.out(ACCOUNTS_USAGE);
        return 0;
      case undefined:
        context.err(ACCOUNTS_USAGE);
        return 2;
      default:
        throw new UsageError(`unknown accounts command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      context.err(`${error.message}\n\n${ACCOUNTS_USAGE}`);
      return 2;
    }
    if (error instanceof AccountError || error instanceof SecretBoxError) {
      context.err(error.message);
      return 1;
    }
    throw error;
  }
}

async function add(args: string[], context: AccountsCliContext): Promise<number> {
  const refused = args.find((arg) => /^--(api-key|key|token|secret)(=|$)/.test(arg));
  if (refused) {
    throw new UsageError(
      `${refused.split("=")[0]} is not accepted: a key on the command line stays in shell history and shows in ps; ` +
        "use --api-key-env VAR or --api-key-stdin",
    );
  }
  const { values } = parse(args, {
    email: { type: "string" },
    provider: { type: "string", default: "claude" },
    "api-key-env": { type: "string" },
    "api-key-stdin": { type: "boolean", default: false },
    "credentials-file": { type: "string" },
    "config-file": { type: "string" },
    "sort-order": { type: "string" },
    env: { type: "string", multiple: true },
    "base-url": { type: "string" },
  });
  if (!values.email?.trim()) throw new UsageError("accounts add needs --email <email>");
  if (values["api-key-env"] !== undefined && values["api-key-stdin"]) {
    throw new UsageError("give --api-key-env or --api-key-stdin, not both");
  }
  const sortOrder = values["sort-order"];
  if (sortOrder !== undefined && !/^-?\d+$/.test(sortOrder)) throw new UsageError("--sort-order must be a whole number");
  if (!context.key) throw new AccountError(MISSING_KEY_MESSAGE);

  const apiKey =
    values["api-key-env"] !== undefined
      ? apiKeyFromEnv(values["api-key-env"], context.env ?? process.env)
      : values["api-key-stdin"]
        ? await apiKeyFromStdin(context)
        : undefined;
  const credentialsJson = await readJsonFile(values["credentials-file"], "--credentials-file");
  const configJson = await readJsonFile(values["config-file"], "--config-file");

  const account = await addAccount(context.db, context.key, {
    email: values.email,
    provider: values.provider,
    apiKey,
    credentialsJson,
    configJson,
    sortOrder: sortOrder === undefined ? undefined : Number(sortOrder),
    env: envPairs(values.env ?? [], context.env ?? process.env),
    baseUrl: values["base-url"],
  });
  const what = [
    apiKey !== undefined && "API key",
    credentialsJson !== undefined && "credentials",
    configJson !== undefined && "config",
    account.envNames.length > 0 && `env ${account.envNames.join(", ")}`,
    account.baseUrl !== null && `base URL ${account.baseUrl}`,
  ]
    .filter(Boolean)
    .join(", ");
  context.out(`added ${account.provider} account ${account.email} (${account.id}) with ${what}, encrypted`);
  return 0;
}

async function list(args: string[], context: AccountsCliContext): Promise<number> {
  parse(args, {});
  const accounts = await listAccounts(context.db, new Date(), context.key);
  context.out(formatTable(accounts));
  if (accounts.length === 0) context.out("no accounts yet; add one with: codewalkers accounts add --email <email> …");
  return 0;
}

async function test(args: string[], context: AccountsCliContext): Promise<number> {
  const { positionals } = parse(args, {}, true);
  if (positionals.length !== 1) throw new UsageError("accounts test needs one <id|email>");
  if (!context.key) throw new AccountError(MISSING_KEY_MESSAGE);
  const result = await probeAccount(context.db, context.key, positionals[0]!, context.probe ?? {});
  (result.ok ? context.out : context.err)(`${result.ok ? "ok" : "FAILED"}: ${result.message}`);
  return result.ok ? 0 : 1;
}

/** `--env KEY=VALUE`, or `--env KEY` for the value this command sees; the value is never echoed. */
function envPairs(items: string[], env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  if (items.length === 0) return undefined;
  const pairs: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf("=");
    const name = at < 0 ? item : item.slice(0, at);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) throw new UsageError("--env takes KEY=VALUE or KEY (a variable name)");
    const value = at < 0 ? env[name] : item.slice(at + 1);
    if (value === undefined || value === "") throw new AccountError(`--env ${name}: ${at < 0 ? "that variable is not set here" : "the value is empty"}`);
    pairs[name] = value;
  }
  return pairs;
}

async function remove(args: string[], context: AccountsCliContext): Promise<number> {
  const { positionals } = parse(args, {}, true);
  if (positionals.length !== 1) throw new UsageError("accounts remove needs one <id|email>");
  const removed = await removeAccount(context.db, positionals[0]!);
  context.out(`removed ${removed.provider} account ${removed.email} (${removed.id})`);
  return 0;
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

function parse<O extends Options>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function apiKeyFromEnv(name: string, env: NodeJS.ProcessEnv): string {
  // Someone may pass the key itself here: never echo a value that does not look like a name.
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) {
    throw new UsageError("--api-key-env takes the NAME of an environment variable (e.g. ANTHROPIC_API_KEY), not the key");
  }
  const value = env[name]?.trim();
  if (!value) throw new AccountError(`environment variable ${name} is not set (--api-key-env ${name})`);
  return value;
}

async function apiKeyFromStdin(context: AccountsCliContext): Promise<string> {
  const read = context.readStdin ?? readProcessStdin;
  const value = (await read()).trim();
  if (!value) throw new AccountError("--api-key-stdin read nothing from standard input");
  return value;
}

async function readProcessStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("Paste the API key, then press Enter and Ctrl-D:\n");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString("utf8");
}

async function readJsonFile(file: string | undefined, flag: string): Promise<string | undefined> {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new AccountError(`cannot read ${flag} ${file} (${code})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the content, which is a secret.
    throw new AccountError(`${flag} ${file} is not valid JSON`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new AccountError(`${flag} ${file} must hold a JSON object`);
  }
  return text;
}

function formatTable(accounts: AccountView[]): string {
  const header = ["ID", "EMAIL", "PROVIDER", "STATUS", "LAST USED", "ORDER", "STORED"];
  const rows = accounts.map((a) => [
    a.id,
    a.email,
    a.provider,
    a.invalidReason !== null
      ? "credentials refused"
      : a.exhausted
        ? a.exhaustedUntil
          ? `exhausted until ${iso(a.exhaustedUntil)}`
          : "exhausted"
        : "available",
    a.lastUsedAt ? iso(a.lastUsedAt) : "never",
    String(a.sortOrder),
    [a.hasCredentials && "credentials", a.hasConfig && "config", ...a.envNames.map((n) => `env ${n}`), a.baseUrl !== null && `base URL ${a.baseUrl}`]
      .filter(Boolean)
      .join(", ") || "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((cells) =>
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
