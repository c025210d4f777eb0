/**
 * Accounts on a real database: registered with their secrets sealed (the row never holds them in
 * clear), listed without them, rotated least-recently-used first, rested while exhausted, claimed
 * once under concurrency, and handed to an agent as its own files and variables only. The CLI is
 * driven in-process, and once as the operator runs it.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import { execa } from "execa";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { accounts } from "../../src/db/schema.js";
import { addAccount, listAccounts, loadAccountSecrets, removeAccount, updateAccountCredentials } from "../../src/runner/accounts/account-store.js";
import { markExhausted, nextAvailableAt, pickAccount } from "../../src/runner/accounts/pick-account.js";
import { accountDir, materializeAccount } from "../../src/runner/accounts/account-environment.js";
import { MISSING_KEY_MESSAGE, runAccountsCli } from "../../src/runner/accounts/accounts-cli.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const KEY = randomBytes(32);
const API_KEY = "sk-ant-api03-THIS-IS-THE-SECRET-KEY-000";
const OAUTH = JSON.stringify({ claudeAiOauth: { accessToken: "sk-ant-oat01-ACCESS", refreshToken: "sk-ant-ort01-REFRESH" } });
const CONFIG = JSON.stringify({ oauthAccount: { emailAddress: "a@example.com" }, hasCompletedOnboarding: true });

let database: TestDatabase;
let tmp: string;

beforeAll(async () => {
  database = await createTestDatabase();
  tmp = mkdtempSync(path.join(os.tmpdir(), "cw-accounts-"));
});
afterAll(async () => {
  await database?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => database.truncateAll());

const at = (iso: string) => new Date(iso);

async function rawRows(): Promise<Record<string, unknown>[]> {
  return database.rows(`select * from accounts`);
}

describe("the account store", () => {
  it("adds, lists and removes accounts without ever showing a secret", async () => {
    const a = await addAccount(database.db, KEY, { email: "a@example.com", provider: "claude", apiKey: API_KEY });
    const b = await addAccount(database.db, KEY, {
      email: "b@example.com",
      provider: "claude",
      credentialsJson: OAUTH,
      configJson: CONFIG,
      sortOrder: 1,
    });
    const c = await addAccount(database.db, KEY, { email: "c@example.com", provider: "codex", apiKey: "sk-proj-CODEX" });

    const listed = await listAccounts(database.db);
    expect(listed.map((v) => [v.email, v.provider, v.hasCredentials, v.hasConfig, v.exhausted])).toEqual([
      ["a@example.com", "claude", true, false, false],
      ["b@example.com", "claude", true, true, false],
      ["c@example.com", "codex", true, false, false],
    ]);
    expect(Object.keys(listed[0]!).sort()).toEqual([
      "baseUrl",
      "email",
      "envNames",
      "exhausted",
      "exhaustedUntil",
      "hasConfig",
      "hasCredentials",
      "id",
      "invalidReason",
      "lastUsedAt",
      "provider",
      "sortOrder",
    ]);
    const shown = JSON.stringify(listed);
    for (const secret of [API_KEY, "ACCESS", "REFRESH", "sk-proj-CODEX", "oauthAccount"]) expect(shown).not.toContain(secret);

    expect(await loadAccountSecrets(database.db, KEY, a.id)).toEqual({ apiKey: API_KEY });
    expect(await loadAccountSecrets(database.db, KEY, b.id)).toEqual({ credentialsJson: OAUTH, configJson: CONFIG });

    expect((await removeAccount(database.db, "b@example.com")).id).toBe(b.id);
    expect((await removeAccount(database.db, c.id)).email).toBe("c@example.com");
    expect((await listAccounts(database.db)).map((v) => v.id)).toEqual([a.id]);
    await expect(removeAccount(database.db, "b@example.com")).rejects.toThrow('no account has the id or email "b@example.com"');
  });

  it("stores every secret sealed: no column of the row holds it in clear", async () => {
    await addAccount(database.db, KEY, { email: "a@example.com", provider: "claude", apiKey: API_KEY, configJson: CONFIG });
    await addAccount(database.db, KEY, { email: "b@example.com", provider: "claude", credentialsJson: OAUTH });
    const rows = await rawRows();
    expect(rows).toHaveLength(2);
    const dump = JSON.stringify(rows);
    for (const secret of [API_KEY, "sk-ant-oat01", "sk-ant-ort01", "oauthAccount", "apiKey"]) {
      expect(dump).not.toContain(secret);
    }
    for (const row of rows) {
      expect(row.credentials).toMatch(/^v1\./);
    }
    expect(rows.find((r) => r.email === "a@example.com")!.config_json).toMatch(/^v1\./);
  });

  it("refuses a wrong key when loading secrets", async () => {
    const a = await addAccount(database.db, KEY, { email: "a@example.com", provider: "claude", apiKey: API_KEY });
    await expect(loadAccountSecrets(database.db, randomBytes(32), a.id)).rejects.toThrow("cannot decrypt: wrong CW_SECRET_KEY or corrupted value");
  });

  it("refuses accounts it could not use, with messages that hold no secret", async () => {
    const add = (input: Partial<Parameters<typeof addAccount>[2]>) => addAccount(database.db, KEY, { email: "a@example.com", provider: "claude", ...input });
    await expect(add({})).rejects.toThrow("an account needs an API key or a credentials file");
    await expect(add({ email: " ", apiKey: API_KEY })).rejects.toThrow("an account needs an email");
    await expect(add({ apiKey: API_KEY, credentialsJson: OAUTH })).rejects.toThrow("not both");
    await expect(add({ credentialsJson: `{"token": "${API_KEY}"` })).rejects.toThrow(/^the credentials file is not valid JSON$/);
    await expect(add({ apiKey: API_KEY, configJson: "[1]" })).rejects.toThrow("the config file must hold a JSON object");
    await expect(add({ provider: "codex", apiKey: API_KEY, configJson: CONFIG })).rejects.toThrow("config.toml");
    await expect(add({ provider: "../x", apiKey: API_KEY })).rejects.toThrow("must be a name");
    await add({ apiKey: API_KEY });
    await expect(add({ apiKey: API_KEY })).rejects.toThrow("a claude account for a@example.com is already registered");
    // The same email may hold an account of another provider; removing by email is then ambiguous.
    await add({ provider: "codex", apiKey: "sk-proj-X" });
    await expect(removeAccount(database.db, "a@example.com")).rejects.toThrow(/2 accounts match "a@example.com"; remove one by id/);
  });

  it("replaces credentials that the agent refreshed", async () => {
    const a = await addAccount(database.db, KEY, { email: "a@example.com", provider: "claude", credentialsJson: OAUTH });
    const refreshed = JSON.stringify({ claudeAiOauth: { accessToken: "NEW", refreshToken: "NEWER" } });
    await updateAccountCredentials(database.db, KEY, a.id, refreshed);
    expect(await loadAccountSecrets(database.db, KEY, a.id)).toEqual({ credentialsJson: refreshed });
    expect(JSON.stringify(await rawRows())).not.toContain("NEWER");
  });
});

describe("picking an account", () => {
  async function three() {
    const a = await addAccount(database.db, KEY, { email: "a@x", provider: "claude", apiKey: "k-a", sortOrder: 0 });
    const b = await addAccount(database.db, KEY, { email: "b@x", provider: "claude", apiKey: "k-b", sortOrder: 1 });
    const c = await addAccount(database.db, KEY, { email: "c@x", provider: "claude", apiKey: "k-c", sortOrder: 2 });
    await addAccount(database.db, KEY, { email: "d@x", provider: "codex", apiKey: "k-d" });
    return { a: a.id, b: b.id, c: c.id };
  }

  it("rotates least recently used first: never used by sort order, then the oldest use", async () => {
    const { a, b, c } = await three();
    const picks: string[] = [];
    for (let minute = 0; minute < 7; minute++) {
      const picked = await pickAccount(database.db, "claude", at(`2030-01-01T00:0${minute}:00Z`));
      picks.push(picked!.id);
    }
    expect(picks).toEqual([a, b, c, a, b, c, a]);
    const [row] = await database.db.select().from(accounts).where(eq(accounts.id, a));
    expect(row!.lastUsedAt).toEqual(at("2030-01-01T00:06:00Z"));
    expect((await pickAccount(database.db, "codex", at("2030-01-01T00:07:00Z")))!.email).toBe("d@x");
    expect(await pickAccount(database.db, "gemini")).toBeUndefined();
  });

  it("skips an exhausted account until its reset time has passed, then clears the mark", async () => {
    const { a, b, c } = await three();
    await markExhausted(database.db, a, at("2030-01-01T01:00:00Z"));
    expect((await pickAccount(database.db, "claude", at("2030-01-01T00:00:00Z")))!.id).toBe(b);
    expect((await pickAccount(database.db, "claude", at("2030-01-01T00:01:00Z")))!.id).toBe(c);
    expect((await pickAccount(database.db, "claude", at("2030-01-01T00:02:00Z")))!.id).toBe(b);

    const listed = await listAccounts(database.db, at("2030-01-01T00:30:00Z"));
    expect(listed.find((v) => v.id === a)).toMatchObject({ exhausted: true, exhaustedUntil: at("2030-01-01T01:00:00Z") });

    // At the reset time `a` is usable again; it was never used, so it comes first.
    const back = await pickAccount(database.db, "claude", at("2030-01-01T01:00:00Z"));
    expect(back).toMatchObject({ id: a, isExhausted: false, exhaustedUntil: null });
  });

  it("waits when every account is exhausted: nothing to pick, and the earliest reset time", async () => {
    const { a, b, c } = await three();
    await markExhausted(database.db, a, at("2030-01-01T03:00:00Z"));
    await markExhausted(database.db, b, at("2030-01-01T02:00:00Z"));
    await markExhausted(database.db, c, null, at("2030-01-01T00:30:00Z")); // no reset time: an hour
    const now = at("2030-01-01T00:10:00Z");
    expect(await pickAccount(database.db, "claude", now)).toBeUndefined();
    expect(await nextAvailableAt(database.db, "claude", now)).toEqual(at("2030-01-01T01:30:00Z"));
    // A later report on the same account keeps the later reset; an earlier one does not shorten it.
    await markExhausted(database.db, c, at("2030-01-01T01:00:00Z"));
    expect(await nextAvailableAt(database.db, "claude", now)).toEqual(at("2030-01-01T01:30:00Z"));
    await markExhausted(database.db, c, at("2030-01-01T04:00:00Z"));
    expect(await nextAvailableAt(database.db, "claude", now)).toEqual(at("2030-01-01T02:00:00Z"));

    expect(await nextAvailableAt(database.db, "codex", now)).toEqual(now); // d is available
    expect(await nextAvailableAt(database.db, "gemini", now)).toBeNull(); // no accounts at all
  });

  it("gives concurrent pickers different accounts", async () => {
    const a = await addAccount(database.db, KEY, { email: "a@x", provider: "claude", apiKey: "k-a" });
    const b = await addAccount(database.db, KEY, { email: "b@x", provider: "claude", apiKey: "k-b" });
    const now = at("2030-01-01T00:00:00Z");
    for (let round = 0; round < 5; round++) {
      const when = new Date(now.getTime() + round * 60_000);
      const picks = await Promise.all([pickAccount(database.db, "claude", when), pickAccount(database.db, "claude", when)]);
      expect(picks.map((p) => p?.id).sort(), `round ${round} on ${database.driver}`).toEqual([a.id, b.id].sort());
    }
  });

  // Only PostgreSQL has a second connection to hold a lock while another picks: on PGlite the
  // holder would block the picker forever. The CI runs the suite on both, so this runs there.
  if (process.env.DATABASE_URL)
    it("skips an account another transaction holds (PostgreSQL)", async () => {
      const a = await addAccount(database.db, KEY, { email: "a@x", provider: "claude", apiKey: "k-a" });
      const b = await addAccount(database.db, KEY, { email: "b@x", provider: "claude", apiKey: "k-b" });
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holder = database.db.transaction(async (tx) => {
        // A runner in the middle of claiming `a`.
        await tx.select().from(accounts).where(eq(accounts.id, a.id)).for("update");
        locked();
        await held;
      });
      await isLocked;
      try {
        expect((await pickAccount(database.db, "claude"))?.id).toBe(b.id);
      } finally {
        release();
        await holder;
      }
    });
});

describe("an account's environment", () => {
  const mode = (file: string) => statSync(file).mode & 0o777;

  it("claude with credentials and config: 0600 files in a 0700 home, and only its own variables", async () => {
    const dir = accountDir(tmp, "acc-claude");
    expect(dir).toBe(path.join(tmp, "accounts", "acc-claude"));
    const account = await materializeAccount({ provider: "claude", secrets: { credentialsJson: OAUTH, configJson: CONFIG }, dir });
    expect(account.env).toEqual({ HOME: dir, CLAUDE_CONFIG_DIR: path.join(dir, ".claude") });
    const credentials = path.join(dir, ".claude", ".credentials.json");
    expect(readFileSync(credentials, "utf8")).toBe(OAUTH);
    expect(readFileSync(path.join(dir, ".claude.json"), "utf8")).toBe(CONFIG);
    expect(mode(credentials)).toBe(0o600);
    expect(mode(path.join(dir, ".claude.json"))).toBe(0o600);
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, ".claude"))).toBe(0o700);

    await account.cleanup();
    expect(existsSync(credentials)).toBe(false);
    // The directory stays: claude's sessions live there and a resume needs them.
    expect(existsSync(path.join(dir, ".claude"))).toBe(true);
  });

  it("claude with an API key: ANTHROPIC_API_KEY and its own home, no other account's key", async () => {
    const dir = accountDir(tmp, "acc-key");
    const mine = await materializeAccount({ provider: "claude", secrets: { apiKey: API_KEY }, dir });
    const other = await materializeAccount({ provider: "claude", secrets: { apiKey: "sk-other" }, dir: accountDir(tmp, "acc-other") });
    expect(mine.env).toEqual({ HOME: dir, CLAUDE_CONFIG_DIR: path.join(dir, ".claude"), ANTHROPIC_API_KEY: API_KEY });
    expect(JSON.stringify(other.env)).not.toContain(API_KEY);
    expect(JSON.stringify(mine.env)).not.toContain("sk-other");
    await mine.cleanup();
    await other.cleanup();
  });

  it("codex: CODEX_API_KEY (what codex exec reads), or auth.json under CODEX_HOME; config.toml written by the runner", async () => {
    const withKey = await materializeAccount({ provider: "codex", secrets: { apiKey: "sk-proj-1" }, dir: accountDir(tmp, "cx1") });
    expect(withKey.env).toEqual({ CODEX_HOME: path.join(tmp, "accounts", "cx1", ".codex"), CODEX_API_KEY: "sk-proj-1" });
    expect(readFileSync(path.join(tmp, "accounts", "cx1", ".codex", "config.toml"), "utf8")).not.toContain("base_url");
    const dir = accountDir(tmp, "cx2");
    const auth = JSON.stringify({ tokens: { access_token: "t" } });
    const withFile = await materializeAccount({ provider: "codex", secrets: { credentialsJson: auth }, dir });
    expect(withFile.env).toEqual({ CODEX_HOME: path.join(dir, ".codex") });
    expect(readFileSync(path.join(dir, ".codex", "auth.json"), "utf8")).toBe(auth);
    expect(mode(path.join(dir, ".codex", "auth.json"))).toBe(0o600);
    expect(mode(path.join(dir, ".codex"))).toBe(0o700);
    await withKey.cleanup();
    await withFile.cleanup();
    expect(existsSync(path.join(dir, ".codex", "auth.json"))).toBe(false);
  });

  it("another provider: CW_AGENT_API_KEY", async () => {
    const account = await materializeAccount({ provider: "my-agent", secrets: { apiKey: "k" }, dir: accountDir(tmp, "o1") });
    expect(account.env).toEqual({ CW_AGENT_API_KEY: "k" });
    await account.cleanup();
  });

  it("agents sharing an account share its files until the last one is done, which stores a refresh", async () => {
    const dir = accountDir(tmp, "shared");
    const credentials = path.join(dir, ".claude", ".credentials.json");
    const stored: string[] = [];
    const options = {
      provider: "claude",
      secrets: { credentialsJson: OAUTH },
      dir,
      onCredentialsChanged: async (json: string) => void stored.push(json),
    };
    const first = await materializeAccount(options);
    const second = await materializeAccount(options);
    const refreshed = JSON.stringify({ claudeAiOauth: { accessToken: "NEW", refreshToken: "NEWER" } });
    writeFileSync(credentials, refreshed); // what claude does on a token refresh
    await first.cleanup();
    expect(readFileSync(credentials, "utf8")).toBe(refreshed);
    await second.cleanup();
    await second.cleanup(); // twice is harmless
    expect(existsSync(credentials)).toBe(false);
    expect(stored).toEqual([refreshed]);
  });
});

describe("codewalkers accounts (in process)", () => {
  function io() {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, ctx: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
  }
  const env = { MY_CLAUDE_KEY: API_KEY };
  const run = (argv: string[], c: ReturnType<typeof io>, options: { key?: Buffer | undefined; stdin?: string } = {}) =>
    runAccountsCli(argv, {
      db: database.db,
      key: "key" in options ? options.key : KEY,
      env,
      readStdin: async () => options.stdin ?? "",
      ...c.ctx,
    });

  it("adds with --api-key-env and --api-key-stdin, lists without secrets, removes", async () => {
    const added = io();
    expect(await run(["add", "--email", "a@example.com", "--api-key-env", "MY_CLAUDE_KEY"], added)).toBe(0);
    expect(added.out.join("\n")).toMatch(/^added claude account a@example\.com \([0-9a-f-]{36}\) with API key, encrypted$/);
    const viaStdin = io();
    expect(await run(["add", "--email", "b@example.com", "--provider", "codex", "--api-key-stdin"], viaStdin, { stdin: "sk-proj-STDIN\n" })).toBe(0);
    const credentialsFile = path.join(tmp, "credentials.json");
    const configFile = path.join(tmp, "claude.json");
    writeFileSync(credentialsFile, OAUTH);
    writeFileSync(configFile, CONFIG);
    const withFiles = io();
    expect(
      await run(["add", "--email=c@example.com", "--credentials-file", credentialsFile, "--config-file", configFile, "--sort-order", "3"], withFiles),
    ).toBe(0);
    expect(withFiles.out[0]).toContain("with credentials, config, encrypted");

    const listed = io();
    expect(await run(["list"], listed)).toBe(0);
    const table = listed.out.join("\n");
    expect(table.split("\n")[0]).toMatch(/^ID\s+EMAIL\s+PROVIDER\s+STATUS\s+LAST USED\s+ORDER\s+STORED$/);
    expect(table).toContain("a@example.com");
    expect(table).toMatch(/c@example\.com\s+claude\s+available\s+never\s+3\s+credentials, config/);
    for (const secret of [API_KEY, "sk-proj-STDIN", "ACCESS", "REFRESH", "oauthAccount"]) expect(table).not.toContain(secret);
    expect(listed.err).toEqual([]);

    const [b] = await database.db.select().from(accounts).where(eq(accounts.email, "b@example.com"));
    expect(await loadAccountSecrets(database.db, KEY, b!.id)).toEqual({ apiKey: "sk-proj-STDIN" });
    expect(JSON.stringify(await rawRows())).not.toContain("sk-proj-STDIN");

    const removed = io();
    expect(await run(["remove", b!.id], removed)).toBe(0);
    expect(removed.out).toEqual([`removed codex account b@example.com (${b!.id})`]);
    expect(await run(["remove", "a@example.com"], io())).toBe(0);
    const after = io();
    await run(["list"], after);
    expect(after.out.join("\n")).not.toContain("a@example.com");
    expect(after.out.join("\n")).toContain("c@example.com");
  });

  it("lists an empty table with a hint", async () => {
    const c = io();
    expect(await run(["list"], c)).toBe(0);
    expect(c.out[0]).toMatch(/^ID\s+EMAIL/);
    expect(c.out[1]).toContain("no accounts yet");
  });

  it("explains every bad input, and never echoes a secret", async () => {
    const cases: Array<{ argv: string[]; code: number; message: string | RegExp; key?: Buffer | undefined }> = [
      { argv: ["add", "--email", "a@x", "--api-key-env", "MY_CLAUDE_KEY"], key: undefined, code: 1, message: MISSING_KEY_MESSAGE },
      { argv: ["add", "--api-key-env", "MY_CLAUDE_KEY"], code: 2, message: "accounts add needs --email <email>" },
      { argv: ["add", "--email", "a@x", "--api-key", API_KEY], code: 2, message: "--api-key is not accepted" },
      { argv: ["add", "--email", "a@x", `--api-key=${API_KEY}`], code: 2, message: "--api-key is not accepted" },
      { argv: ["add", "--email", "a@x", "--api-key-env", API_KEY], code: 2, message: "takes the NAME of an environment variable" },
      { argv: ["add", "--email", "a@x", "--api-key-env", "UNSET_VAR"], code: 1, message: "environment variable UNSET_VAR is not set" },
      { argv: ["add", "--email", "a@x", "--api-key-stdin"], code: 1, message: "--api-key-stdin read nothing" },
      { argv: ["add", "--email", "a@x"], code: 1, message: "an account needs an API key or a credentials file" },
      {
        argv: ["add", "--email", "a@x", "--credentials-file", path.join(tmp, "missing.json")],
        code: 1,
        message: /cannot read --credentials-file .*missing\.json \(ENOENT\)/,
      },
      {
        argv: ["add", "--email", "a@x", "--credentials-file", path.join(tmp, "bad.json")],
        code: 1,
        message: /--credentials-file .*bad\.json is not valid JSON$/,
      },
      { argv: ["add", "--email", "a@x", "--api-key-env", "MY_CLAUDE_KEY", "--bogus"], code: 2, message: "Unknown option '--bogus'" },
      { argv: ["add", "--email", "a@x", "--api-key-env", "MY_CLAUDE_KEY", "--sort-order", "x"], code: 2, message: "--sort-order must be a whole number" },
      { argv: ["frobnicate"], code: 2, message: 'unknown accounts command "frobnicate"' },
      { argv: ["remove"], code: 2, message: "accounts remove needs one <id|email>" },
      { argv: ["remove", "nobody@x"], code: 1, message: 'no account has the id or email "nobody@x"' },
    ];
    writeFileSync(path.join(tmp, "bad.json"), `{"accessToken": "${API_KEY}"`);
    for (const { argv, code, message, ...rest } of cases) {
      const c = io();
      const options = "key" in rest ? { key: rest.key } : {};
      expect(await run(argv, c, options), argv.join(" ")).toBe(code);
      const text = c.err.join("\n");
      if (typeof message === "string") expect(text, argv.join(" ")).toContain(message);
      else expect(text, argv.join(" ")).toMatch(message);
      expect(text, argv.join(" ")).not.toContain(API_KEY);
      expect(c.out).toEqual([]);
    }
    expect(await rawRows()).toEqual([]);

    const help = io();
    expect(await run(["help"], help)).toBe(0);
    expect(help.out.join("\n")).toContain("--api-key-env VAR");
  });
});

describe("codewalkers accounts (the real CLI)", () => {
  it("lists the accounts of a fresh data directory", async () => {
    const dataDir = path.join(tmp, "cli-data");
    const result = await execa(process.execPath, ["--import", "tsx", "src/main.ts", "accounts", "list"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmp, CW_DATA_DIR: dataDir, CW_SECRET_KEY: KEY.toString("hex") },
      extendEnv: false,
      reject: false,
      all: true,
      timeout: 60_000,
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout.split("\n")[0]).toMatch(/^ID\s+EMAIL\s+PROVIDER\s+STATUS/);
  }, 90_000);
});
