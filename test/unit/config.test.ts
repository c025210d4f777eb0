import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { TEST_PRIVATE_KEY } from "../support/github-app.js";

/** The PEM as a variable holds it: values are trimmed, so the final newline goes. */
const PEM = TEST_PRIVATE_KEY.trim();
/** A registered app: the smallest environment that yields GitHub credentials. */
const APP = { APP_ID: "4242", PRIVATE_KEY: PEM, WEBHOOK_SECRET: "s3cret" };

/** Any environment, including values the ProcessEnv typings (Probot's LOG_LEVEL) would refuse. */
type Env = Record<string, string | undefined>;
const load = (env: Env) => loadConfig(env as NodeJS.ProcessEnv);

const tmp = mkdtempSync(path.join(os.tmpdir(), "cw-config-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The ConfigError loadConfig throws for `env`; fails the test when it does not throw one. */
function configError(env: Env): ConfigError {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(Object.keys(env))}`);
}

describe("loadConfig defaults", () => {
  it("runs unregistered, on PGlite in .data, with the documented defaults", () => {
    const config = load({});
    expect(config).toEqual({
      github: undefined,
      baseUrl: undefined,
      webhookProxyUrl: undefined,
      port: 3000,
      host: undefined,
      logLevel: "info",
      databaseUrl: undefined,
      dataDir: path.resolve(".data"),
      pgliteDir: path.resolve(".data", "pglite"),
      workDir: path.resolve(".data", "work"),
      agent: "claude",
      agentCommand: undefined,
      maxAgents: 4,
      agentTimeoutSeconds: 3600,
      agentIdleSeconds: 900,
      agentRetries: 2,
      secretKey: undefined,
      agentUsers: undefined,
      unsafeAgents: false,
      unsafeDatabase: false,
      agentEnvNames: [],
      githubWrites: { perMinute: 72, perHour: 450 },
    });
  });

  it("reads every setting it is given", () => {
    const key = "ab".repeat(32);
    const config = load({
      ...APP,
      PORT: "8080",
      HOST: "0.0.0.0",
      LOG_LEVEL: "debug",
      DATABASE_URL: "postgresql://cw:pw@db.internal:5432/cw",
      CW_DATA_DIR: path.join(tmp, "data"),
      CW_WORKDIR: path.join(tmp, "work"),
      CW_AGENT: "command",
      CW_AGENT_COMMAND: "./agent.sh",
      CW_MAX_AGENTS: "8",
      CW_AGENT_TIMEOUT: "45m",
      CW_AGENT_IDLE_TIMEOUT: "5m",
      CW_AGENT_RETRIES: "0",
      CW_SECRET_KEY: key,
      WEBHOOK_PROXY_URL: "https://smee.io/abc123",
      CW_AGENT_USERS: "cw-agent-0,cw-agent-1",
      CW_UNSAFE_AGENTS: "0",
      CW_UNSAFE_DATABASE: "1",
      CW_GITHUB_WRITES_PER_MINUTE: "600",
      CW_GITHUB_WRITES_PER_HOUR: "20000",
    });
    expect(config).toEqual({
      github: { appId: 4242, privateKey: PEM, webhookSecret: "s3cret" },
      baseUrl: undefined,
      webhookProxyUrl: "https://smee.io/abc123",
      port: 8080,
      host: "0.0.0.0",
      logLevel: "debug",
      databaseUrl: "postgresql://cw:pw@db.internal:5432/cw",
      dataDir: path.join(tmp, "data"),
      pgliteDir: path.join(tmp, "data", "pglite"),
      workDir: path.join(tmp, "work"),
      agent: "command",
      agentCommand: "./agent.sh",
      maxAgents: 8,
      agentTimeoutSeconds: 45 * 60,
      agentIdleSeconds: 5 * 60,
      agentRetries: 0,
      secretKey: Buffer.from(key, "hex"),
      agentUsers: "cw-agent-0,cw-agent-1",
      unsafeAgents: false,
      unsafeDatabase: true,
      agentEnvNames: [],
      githubWrites: { perMinute: 600, perHour: 20_000 },
    });
  });

  it("treats empty strings as unset (an `.env` line like `APP_ID=`)", () => {
    const config = load({
      APP_ID: "",
      PRIVATE_KEY: "",
      WEBHOOK_SECRET: "",
      PORT: "",
      LOG_LEVEL: "",
      DATABASE_URL: "",
      CW_AGENT: "",
      CW_MAX_AGENTS: "",
      CW_AGENT_TIMEOUT: "",
      CW_SECRET_KEY: "",
      GHE_HOST: "",
      WEBHOOK_PROXY_URL: "",
    });
    expect(config).toMatchObject({
      github: undefined,
      port: 3000,
      logLevel: "info",
      databaseUrl: undefined,
      agent: "claude",
      maxAgents: 4,
      agentTimeoutSeconds: 3600,
      secretKey: undefined,
      baseUrl: undefined,
      webhookProxyUrl: undefined,
    });
  });

  it.each([
    ["90", 90],
    ["90s", 90],
    ["30m", 30 * 60],
    ["2h", 2 * 3600],
  ])("reads CW_AGENT_TIMEOUT=%s as %i seconds", (value, seconds) => {
    expect(load({ CW_AGENT_TIMEOUT: value }).agentTimeoutSeconds).toBe(seconds);
  });

  it("points the API at a GitHub Enterprise Server (or any compatible host)", () => {
    expect(load({ GHE_HOST: "127.0.0.1:9999", GHE_PROTOCOL: "http" }).baseUrl).toBe("http://127.0.0.1:9999/api/v3");
    expect(load({ GHE_HOST: "github.example.com" }).baseUrl).toBe("https://github.example.com/api/v3");
  });

  it("accepts a 32-byte CW_SECRET_KEY as base64", () => {
    const key = Buffer.alloc(32, 7);
    expect(load({ CW_SECRET_KEY: key.toString("base64") }).secretKey).toEqual(key);
  });
});

describe("loadConfig rejects bad settings, naming the variable", () => {
  it.each<[string, Env]>([
    ["PORT", { PORT: "abc" }],
    ["PORT", { PORT: "70000" }],
    ["LOG_LEVEL", { LOG_LEVEL: "verbose" }],
    ["DATABASE_URL", { DATABASE_URL: "mysql://root@localhost/cw" }],
    ["DATABASE_URL", { DATABASE_URL: "127.0.0.1:5432" }],
    ["CW_AGENT", { CW_AGENT: "bogus" }],
    ["CW_UNSAFE_DATABASE", { CW_UNSAFE_DATABASE: "yes" }],
    ["CW_AGENT_COMMAND", { CW_AGENT: "command" }],
    ["CW_MAX_AGENTS", { CW_MAX_AGENTS: "0" }],
    ["CW_MAX_AGENTS", { CW_MAX_AGENTS: "many" }],
    ["CW_MAX_AGENTS", { CW_MAX_AGENTS: "2.5" }],
    ["CW_AGENT_TIMEOUT", { CW_AGENT_TIMEOUT: "soon" }],
    ["CW_AGENT_TIMEOUT", { CW_AGENT_TIMEOUT: "30 minutes" }],
    ["CW_AGENT_TIMEOUT", { CW_AGENT_TIMEOUT: "-5" }],
    ["CW_AGENT_TIMEOUT", { CW_AGENT_TIMEOUT: "0" }],
    ["CW_AGENT_TIMEOUT", { CW_AGENT_TIMEOUT: "0m" }],
    ["CW_GITHUB_WRITES_PER_MINUTE", { CW_GITHUB_WRITES_PER_MINUTE: "0" }],
    ["CW_GITHUB_WRITES_PER_MINUTE", { CW_GITHUB_WRITES_PER_MINUTE: "fast" }],
    ["CW_GITHUB_WRITES_PER_HOUR", { CW_GITHUB_WRITES_PER_HOUR: "60" }],
    ["CW_GITHUB_WRITES_PER_HOUR", { CW_GITHUB_WRITES_PER_MINUTE: "200", CW_GITHUB_WRITES_PER_HOUR: "100" }],
    ["CW_SECRET_KEY", { CW_SECRET_KEY: "too-short" }],
    ["CW_SECRET_KEY", { CW_SECRET_KEY: "ab".repeat(31) }],
    ["CW_SECRET_KEY", { CW_SECRET_KEY: Buffer.alloc(16).toString("base64") }],
    ["GHE_HOST", { GHE_HOST: "https://github.example.com" }],
    ["GHE_HOST", { GHE_HOST: "github.example.com/api/v3" }],
    ["GHE_PROTOCOL", { GHE_HOST: "github.example.com", GHE_PROTOCOL: "ftp" }],
    ["WEBHOOK_PROXY_URL", { WEBHOOK_PROXY_URL: "smee.io/abc123" }],
    ["APP_ID", { APP_ID: "my-app", PRIVATE_KEY: TEST_PRIVATE_KEY, WEBHOOK_SECRET: "s" }],
    ["PRIVATE_KEY", { APP_ID: "4242", WEBHOOK_SECRET: "s" }],
    ["APP_ID", { PRIVATE_KEY: TEST_PRIVATE_KEY, WEBHOOK_SECRET: "s" }],
    ["APP_ID", { PRIVATE_KEY_PATH: "/etc/hostname" }],
    ["WEBHOOK_SECRET", { APP_ID: "4242", PRIVATE_KEY: TEST_PRIVATE_KEY }],
    ["APP_ID", { NODE_ENV: "production" }],
  ])("%s: %j", (name, env) => {
    const error = configError(env);
    expect(
      error.problems.some((p) => p.startsWith(`${name} `)),
      error.message,
    ).toBe(true);
    expect(error.message).toContain(name);
  });

  it("reports every problem at once", () => {
    const error = configError({ PORT: "abc", CW_AGENT: "bogus", LOG_LEVEL: "loud" });
    expect(error.problems.map((p) => p.split(" ")[0]).sort()).toEqual(["CW_AGENT", "LOG_LEVEL", "PORT"]);
  });

  it("PRIVATE_KEY_PATH that cannot be read", () => {
    const error = configError({ ...APP, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: path.join(tmp, "missing.pem") });
    expect(error.message).toContain("PRIVATE_KEY_PATH");
    expect(error.message).toContain("ENOENT");
  });

  it("PRIVATE_KEY_PATH that holds no PEM key", () => {
    const file = path.join(tmp, "not-a-key.pem");
    writeFileSync(file, "hello\n");
    expect(configError({ ...APP, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: file }).message).toContain("PRIVATE_KEY_PATH");
  });

  it("PRIVATE_KEY that is not a PEM key", () => {
    const error = configError({ ...APP, PRIVATE_KEY: "not-a-key" });
    expect(error.message).toContain("PRIVATE_KEY");
    expect(error.message).not.toContain("not-a-key");
  });

  it("a secret in a bad value is not repeated in the message", () => {
    const error = configError({ DATABASE_URL: "mysql://root:hunter2@localhost/cw" });
    expect(error.message).not.toContain("hunter2");
  });
});

describe("loadConfig reads the private key in every form GitHub users paste it", () => {
  it("as the PEM itself", () => {
    expect(load(APP).github?.privateKey).toBe(PEM);
  });

  it("from PRIVATE_KEY_PATH", () => {
    const file = path.join(tmp, "app.pem");
    writeFileSync(file, TEST_PRIVATE_KEY);
    const config = load({ ...APP, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: file });
    expect(config.github).toEqual({ appId: 4242, privateKey: TEST_PRIVATE_KEY, webhookSecret: "s3cret" });
  });

  it("base64-encoded", () => {
    const config = load({ ...APP, PRIVATE_KEY: Buffer.from(TEST_PRIVATE_KEY).toString("base64") });
    expect(config.github?.privateKey).toBe(TEST_PRIVATE_KEY);
    expect(config.github?.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('on one line with literal "\\n"', () => {
    const oneLine = PEM.replace(/\n/g, "\\n");
    expect(oneLine).not.toContain("\n");
    const config = load({ ...APP, PRIVATE_KEY: oneLine });
    expect(config.github?.privateKey).toBe(PEM);
  });
});
