/**
 * The command line as an operator runs it: `codewalkers start` and `codewalkers migrate` in a
 * real child process, with nothing but the environment given here. Bad settings and an
 * unreachable database stop the boot with one plain message; good settings serve the webhook
 * endpoint and /healthz, and a restart on the same data finds its migrations applied.
 *
 * On a PostgreSQL run (DATABASE_URL set) the app gets a fresh database of its own; otherwise it
 * uses PGlite in a temporary CW_DATA_DIR, as `npm start` does on a fresh clone.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { openDatabase, type Database } from "../../src/db/client.js";
import { MIGRATIONS_FOLDER } from "../../src/db/migrate.js";
import { signBody } from "../../src/intake/verify-signature.js";
import { serverTrusts } from "../support/pg-trust.js";
import { examplePayload } from "../support/fixtures.js";
import { adminUrl, databaseUrlWithName } from "../support/pg-urls.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const KEY_PATH = fileURLToPath(new URL("../fixtures/test-app-key.pem", import.meta.url));
const SECRET = "boot-test-secret";
const MIGRATION_COUNT = (JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, "meta/_journal.json"), "utf8")) as { entries: unknown[] }).entries.length;

type Env = Record<string, string>;
type Child = ResultPromise<{ env: Env; extendEnv: false; cwd: string; reject: false; all: true }>;

const children = new Set<Child>();
let tmp: string;

beforeAll(() => {
  // `.env` in the working directory would be loaded by the CLI and change what these tests see.
  expect(existsSync(path.join(REPO_ROOT, ".env")), "no .env in the repository root").toBe(false);
  tmp = mkdtempSync(path.join(os.tmpdir(), "cw-boot-"));
  // Agents run as users of their own, who must pass through to their worktrees under it.
  chmodSync(tmp, 0o711);
});

afterAll(async () => {
  // A test that failed half-way may leave its app running.
  for (const child of children) await kill(child);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function kill(child: Child) {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await child;
}

/** Runs the CLI from the repository root with exactly `env` (plus PATH and HOME). */
function cli(args: string[], env: Env): Child {
  const child = execa(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmp, ...env },
    extendEnv: false,
    reject: false,
    all: true,
  });
  children.add(child);
  void child.then(() => children.delete(child));
  return child;
}

/** `codewalkers start`, killed when the test ends however it ends. */
function startApp(context: TestContext, env: Env): Child {
  const child = cli(["start"], env);
  context.onTestFinished(() => kill(child));
  return child;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls /healthz until it answers 200, or fails with the child's output when it exits first. */
async function waitForHealthy(child: Child, port: number, timeoutMs = 45_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the app exited before it was healthy:\n${(await child).all}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) return (await res.json()) as Record<string, unknown>;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`/healthz did not answer 200 within ${timeoutMs} ms`);
}

async function stop(child: Child) {
  child.kill("SIGTERM");
  return child;
}

function appCredentials(): Env {
  return { APP_ID: "4242", PRIVATE_KEY_PATH: KEY_PATH, WEBHOOK_SECRET: SECRET };
}

/**
 * A database the child can own: a fresh PostgreSQL database when the suite runs on PostgreSQL,
 * else an empty PGlite data directory. `open` reads it from the test once the child is gone.
 */
async function freshDatabase(label: string): Promise<{ env: Env; open(): Promise<Database>; drop(): Promise<void> }> {
  const dataDir = path.join(tmp, `${label}-data`);
  const url = process.env.DATABASE_URL;
  if (!url) {
    return {
      env: { CW_DATA_DIR: dataDir },
      open: () => openDatabase({ dataDir: path.join(dataDir, "pglite") }),
      drop: async () => {},
    };
  }
  const name = `cw_boot_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = await openDatabase({ databaseUrl: adminUrl(url), maxConnections: 1 });
  await admin.rows(`create database ${name}`);
  const databaseUrl = databaseUrlWithName(url, name);
  return {
    env: { CW_DATA_DIR: dataDir, DATABASE_URL: databaseUrl },
    open: () => openDatabase({ databaseUrl, maxConnections: 1 }),
    async drop() {
      await admin.rows(`drop database if exists ${name} with (force)`);
      await admin.close();
    },
  };
}

async function postSigned(port: number, event: string, payload: unknown, secret = SECRET) {
  const body = JSON.stringify(payload);
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": crypto.randomUUID(),
      "x-hub-signature-256": signBody(secret, body),
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

// Each test runs its own processes on its own port and data. They run one after another: PGlite's
// initdb is CPU-bound and side by side they only slow each other down.
describe("the codewalkers command", () => {
  describe("codewalkers start: settings are checked before anything runs", () => {
    it.each<[string, Env]>([
      ["PORT", { PORT: "abc" }],
      ["CW_AGENT", { CW_AGENT: "bogus" }],
      ["PRIVATE_KEY", { APP_ID: "4242", WEBHOOK_SECRET: SECRET }],
      ["WEBHOOK_SECRET", { APP_ID: "4242", PRIVATE_KEY_PATH: KEY_PATH }],
      ["DATABASE_URL", { DATABASE_URL: "mysql://root@127.0.0.1/cw" }],
    ])("an invalid %s stops the boot with a message naming it", async (name, env) => {
      const dataDir = path.join(tmp, `never-created-${name}`);
      const result = await cli(["start"], { CW_DATA_DIR: dataDir, ...env });
      expect(result.exitCode, result.all).toBe(1);
      expect(result.stderr).toContain("Invalid configuration");
      expect(result.stderr).toMatch(new RegExp(`^\\s+- ${name} `, "m"));
      // One plain message, not a stack trace.
      expect(result.stderr).not.toMatch(/^\s+at /m);
      // Nothing was touched: no database was created.
      expect(existsSync(dataDir)).toBe(false);
    });

    it.each(["start", "migrate"])("%s: an unreachable database stops the boot within seconds, naming the database without its password", async (command) => {
      const password = "sup3r-s3cret-pw";
      const result = await cli([command], {
        ...appCredentials(),
        CW_DATA_DIR: path.join(tmp, "unused"),
        DATABASE_URL: `postgres://codewalkers:${password}@127.0.0.1:1/cw`,
      });
      expect(result.exitCode, result.all).toBe(1);
      expect(result.stderr).toContain("Cannot use the database (PostgreSQL at postgres://codewalkers:***@127.0.0.1:1/cw)");
      expect(result.stderr).toContain("ECONNREFUSED");
      expect(result.all).not.toContain(password);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    });
  });

  describe("codewalkers start with valid settings", () => {
    it("serves /healthz and signed webhooks, stops cleanly, and starts again on the same data", async (context) => {
      const database = await freshDatabase("start");
      try {
        const port = await freePort();
        const env = {
          ...appCredentials(),
          ...database.env,
          PORT: String(port),
          HOST: "127.0.0.1",
          LOG_LEVEL: "info",
          // Should the app call GitHub, it reaches a closed local port, never the internet.
          GHE_HOST: "127.0.0.1:1",
          GHE_PROTOCOL: "http",
        };

        // On a PostgreSQL that trusts this host, agents could log in too: the runner starts none
        // and /healthz says so (a PGlite app has nothing to log in to).
        const runner =
          database.env.DATABASE_URL && (await serverTrusts(database.env.DATABASE_URL))
            ? expect.stringMatching(/^starts no agents: agents on this host could log in to the app's PostgreSQL without a password/)
            : "ok";
        const first = startApp(context, env);
        expect(await waitForHealthy(first, port)).toEqual({ status: "ok", database: "ok", runner });
        const star = await postSigned(port, "star", examplePayload("star", "created"));
        expect(star).toMatchObject({ status: 202, body: { status: "ignored" } });
        expect((await postSigned(port, "star", examplePayload("star", "created"), "wrong-secret")).status).toBe(401);
        const firstRun = await stop(first);
        expect(firstRun.exitCode, firstRun.all).toBe(0);
        expect(firstRun.all).toContain(`listening on port ${port}`);
        if (runner !== "ok") expect(firstRun.all).toContain("The runner starts no agents: agents on this host could log in");

        // Migrations are idempotent: the second start finds them applied and keeps the data.
        const second = startApp(context, env);
        expect(await waitForHealthy(second, port)).toEqual({ status: "ok", database: "ok", runner });
        const secondRun = await stop(second);
        expect(secondRun.exitCode, secondRun.all).toBe(0);

        const db = await database.open();
        try {
          expect(await db.rows(`select event, action, status from webhook_deliveries`)).toEqual([{ event: "star", action: "created", status: "ignored" }]);
          expect(await db.rows(`select count(*)::int as n from drizzle.__drizzle_migrations`)).toEqual([{ n: MIGRATION_COUNT }]);
        } finally {
          await db.close();
        }
      } finally {
        await database.drop();
      }
    }, 120_000);

    it("refuses to start on a port that is already taken, naming PORT", async () => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
      const address = blocker.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const database = await freshDatabase("busy");
      try {
        const result = await cli(["start"], { ...appCredentials(), ...database.env, PORT: String(port), HOST: "127.0.0.1" });
        expect(result.exitCode, result.all).toBe(1);
        expect(result.stderr.trim()).toBe(`Port ${port} is already in use: set PORT to another port`);
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
        await database.drop();
      }
    }, 60_000);
  });

  describe("codewalkers migrate", () => {
    it("applies the migrations to an empty database and exits 0, twice", async () => {
      const database = await freshDatabase("migrate");
      try {
        const first = await cli(["migrate"], database.env);
        expect(first.exitCode, first.all).toBe(0);
        const second = await cli(["migrate"], database.env);
        expect(second.exitCode, second.all).toBe(0);

        const db = await database.open();
        try {
          expect(await db.rows(`select count(*)::int as n from drizzle.__drizzle_migrations`)).toEqual([{ n: MIGRATION_COUNT }]);
          expect(await db.rows(`select count(*)::int as n from tasks`)).toEqual([{ n: 0 }]);
        } finally {
          await db.close();
        }
      } finally {
        await database.drop();
      }
    }, 60_000);
  });

  describe("codewalkers help and unknown commands", () => {
    it("prints the usage and exits 0 for help", async () => {
      const result = await cli(["help"], {});
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/^Usage: codewalkers <command>/);
    });

    it("exits 2 with the usage for an unknown command", async () => {
      const result = await cli(["deploy"], { CW_DATA_DIR: path.join(tmp, "unknown-command") });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain('Unknown command "deploy"');
      expect(result.stderr).toContain("Usage: codewalkers <command>");
    });
  });
});
