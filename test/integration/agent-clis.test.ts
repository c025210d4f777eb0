/**
 * Issue #11, the parts of the real agent CLIs that need no CLI: CW_AGENT_ENV (passed through,
 * the app's secrets refused at boot), accounts with --env and --base-url landing where each CLI
 * reads them, refused credentials setting an account aside, the stream parsers telling errors
 * apart (401, 529, a cut stream, a lost session) and counting cache tokens as input, and the
 * answers.md a lost session restarts with.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { accounts } from "../../src/db/schema.js";
import { accountDir, materializeAccount } from "../../src/runner/accounts/account-environment.js";
import { addAccount, listAccounts, loadAccountSecrets, markInvalid, markValid } from "../../src/runner/accounts/account-store.js";
import { runAccountsCli } from "../../src/runner/accounts/accounts-cli.js";
import { invalidAccountCount, nextAvailableAt, pickAccount } from "../../src/runner/accounts/pick-account.js";
import { buildAgentEnv } from "../../src/runner/agents/agent-env.js";
import { ClaudeStreamParser } from "../../src/runner/agents/claude-adapter.js";
import { CodexStreamParser } from "../../src/runner/agents/codex-adapter.js";
import { classifyProviderError } from "../../src/runner/agents/provider-errors.js";
import { settleRun } from "../../src/runner/agents/run-agent.js";
import type { AgentRunRequest } from "../../src/runner/agents/types.js";
import { writeContextFiles } from "../../src/runner/context-files.js";
import { createAgentAdapter } from "../../src/runner/agents/create-agent-adapter.js";
import { LogSink } from "../../src/runner/log-sink.js";
import { testLog } from "../support/github-app.js";
import type { Db } from "../../src/db/client.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

const KEY = randomBytes(32);
const GATEWAY_TOKEN = "gw-header-token-5fJ2kQ9";
let database: TestDatabase;
let tmp: string;

beforeAll(async () => {
  database = await createTestDatabase();
  tmp = mkdtempSync(path.join(os.tmpdir(), "cw-agent-clis-"));
});
afterAll(async () => {
  await database?.close();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => database.truncateAll());

function request(overrides: Partial<AgentRunRequest> = {}): AgentRunRequest {
  return {
    taskId: "t1",
    mode: "execute",
    worktree: tmp,
    inputDir: path.join(tmp, ".cw", "input"),
    outputDir: path.join(tmp, ".cw", "output"),
    prompt: "p",
    timeoutSeconds: 10,
    idleSeconds: 10,
    env: {},
    redact: (t) => t,
    onOutput: () => {},
    ...overrides,
  };
}

function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env as NodeJS.ProcessEnv);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("CW_AGENT_ENV", () => {
  it("reads a comma list of names, and refuses the app's own secrets at boot, naming them", () => {
    expect(loadConfig({ CW_AGENT_ENV: "ANTHROPIC_BASE_URL, HTTPS_PROXY,NODE_EXTRA_CA_CERTS" } as NodeJS.ProcessEnv).agentEnvNames).toEqual([
      "ANTHROPIC_BASE_URL",
      "HTTPS_PROXY",
      "NODE_EXTRA_CA_CERTS",
    ]);
    for (const secret of ["PRIVATE_KEY", "WEBHOOK_SECRET", "DATABASE_URL", "CW_SECRET_KEY", "GITHUB_TOKEN", "PGPASSWORD"]) {
      const problems = configProblems({ CW_AGENT_ENV: `HTTPS_PROXY,${secret}` });
      expect(problems, secret).toEqual([`CW_AGENT_ENV names ${secret}: the app's own secrets and settings are never given to agents`]);
    }
    expect(configProblems({ CW_AGENT_ENV: "HTTPS_PROXY=http://x" })[0]).toContain("which is not a variable name");
  });

  it("passes the listed variables through, after the harmless ones and before the account's", () => {
    const runnerEnv = {
      PATH: "/bin",
      ANTHROPIC_BASE_URL: "http://gateway",
      HTTPS_PROXY: "http://proxy",
      ANTHROPIC_API_KEY: "host-key",
      WEBHOOK_SECRET: "s3cret-hook",
    };
    const env = buildAgentEnv(
      request({ passEnv: ["ANTHROPIC_BASE_URL", "HTTPS_PROXY", "WEBHOOK_SECRET"], env: { ANTHROPIC_BASE_URL: "http://account" } }),
      runnerEnv,
    );
    expect(env).toMatchObject({ PATH: "/bin", HTTPS_PROXY: "http://proxy", ANTHROPIC_BASE_URL: "http://account", CW_TASK_ID: "t1" });
    // Not listed: the host's key stays home; listed but the app's secret: never.
    expect(env.ANTHROPIC_API_KEY).toBeUndefined();
    expect(env.WEBHOOK_SECRET).toBeUndefined();
    // Listed, without an account: the host's own key reaches the agent.
    expect(buildAgentEnv(request({ passEnv: ["ANTHROPIC_API_KEY"] }), runnerEnv).ANTHROPIC_API_KEY).toBe("host-key");
  });
});

describe("accounts with --env and --base-url", () => {
  it("stores them encrypted, shows only names, and puts them where each CLI reads them", async () => {
    const db = database.db;
    const out: string[] = [];
    const err: string[] = [];
    const cli = (argv: string[]) =>
      runAccountsCli(argv, {
        db,
        key: KEY,
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        env: { GW_TOKEN: GATEWAY_TOKEN, OPENAI_KEY: "sk-proj-codexkey0000000000000000" },
      });
    expect(
      await cli([
        "add",
        "--email",
        "gw@example.com",
        "--api-key-env",
        "GW_TOKEN",
        "--env",
        `ANTHROPIC_CUSTOM_HEADERS=X-Gateway: ${GATEWAY_TOKEN}`,
        "--env",
        "HTTPS_PROXY=http://proxy.internal:3128",
        "--base-url",
        "http://127.0.0.1:9/anthropic/",
      ]),
    ).toBe(0);
    expect(await cli(["add", "--email", "cx@example.com", "--provider", "codex", "--api-key-env", "OPENAI_KEY", "--base-url", "http://127.0.0.1:9/v1"])).toBe(
      0,
    );
    expect(out.join("\n")).toContain("with API key, env ANTHROPIC_CUSTOM_HEADERS, HTTPS_PROXY, base URL http://127.0.0.1:9/anthropic, encrypted");
    expect(await cli(["list"])).toBe(0);
    const listing = out.join("\n");
    expect(listing).toContain("env ANTHROPIC_CUSTOM_HEADERS");
    expect(listing).not.toContain(GATEWAY_TOKEN);
    const [row] = await db.select().from(accounts).where(eq(accounts.email, "gw@example.com"));
    expect(JSON.stringify(row)).not.toContain(GATEWAY_TOKEN);
    expect(JSON.stringify(row)).not.toContain("proxy.internal");

    // Bad input: the app's secrets, a URL that is none, a URL with credentials, an empty value.
    for (const [args, said] of [
      [["--env", "WEBHOOK_SECRET=x"], "--env WEBHOOK_SECRET: the app's own secrets and settings are never given to agents"],
      [["--base-url", "not a url"], "--base-url must be a URL"],
      [["--base-url", "ftp://h/x"], "--base-url must be an http or https URL"],
      [["--base-url", "https://u:p@h/x"], "--base-url must not carry credentials"],
      [["--env", "EMPTY="], "--env EMPTY: the value is empty"],
      [["--env", "NOT_SET_HERE"], "--env NOT_SET_HERE: that variable is not set here"],
    ] as const) {
      err.length = 0;
      expect(await cli(["add", "--email", `bad${Math.random()}@example.com`, "--api-key-env", "GW_TOKEN", ...args])).toBe(1);
      expect(err.join("\n")).toContain(said);
    }

    const [claude, codex] = await listAccounts(db, new Date(), KEY);
    const claudeEnv = await materializeAccount({ provider: "claude", secrets: await loadAccountSecrets(db, KEY, claude!.id), dir: accountDir(tmp, "c1") });
    expect(claudeEnv.env).toMatchObject({
      ANTHROPIC_API_KEY: GATEWAY_TOKEN,
      ANTHROPIC_BASE_URL: "http://127.0.0.1:9/anthropic",
      ANTHROPIC_CUSTOM_HEADERS: `X-Gateway: ${GATEWAY_TOKEN}`,
      HTTPS_PROXY: "http://proxy.internal:3128",
    });
    const codexDir = accountDir(tmp, "x1");
    const codexEnv = await materializeAccount({ provider: "codex", secrets: await loadAccountSecrets(db, KEY, codex!.id), dir: codexDir });
    expect(codexEnv.env).toEqual({ CODEX_HOME: path.join(codexDir, ".codex"), CODEX_API_KEY: "sk-proj-codexkey0000000000000000" });
    // A model provider of its own: the address, and no WebSocket attempts a gateway would refuse.
    const toml = readFileSync(path.join(codexDir, ".codex", "config.toml"), "utf8");
    expect(toml).toContain('model_provider = "codewalkers"');
    expect(toml).toContain('base_url = "http://127.0.0.1:9/v1"');
    expect(toml).toContain("supports_websockets = false");
    expect(toml).toContain('env_key = "CODEX_API_KEY"');
    await claudeEnv.cleanup();
    await codexEnv.cleanup();
  });

  it("sets an account whose credentials were refused aside until it is found working", async () => {
    const db = database.db;
    const one = await addAccount(db, KEY, { email: "one@example.com", provider: "claude", apiKey: "key-one-0000" });
    expect(await markInvalid(db, one.id, "HTTP 401")).toBe(true);
    // Said once: a second refusal changes nothing.
    expect(await markInvalid(db, one.id, "HTTP 401 again")).toBe(false);
    expect(await pickAccount(db, "claude")).toBeUndefined();
    expect(await nextAvailableAt(db, "claude")).toBeNull();
    expect(await invalidAccountCount(db, "claude")).toBe(1);
    expect((await listAccounts(db))[0]).toMatchObject({ invalidReason: "HTTP 401" });
    await markValid(db, one.id);
    expect((await pickAccount(db, "claude"))?.id).toBe(one.id);
  });
});

describe("the stream parsers", () => {
  const proc = { end: "exited" as const, exitCode: 1, signal: null, logTail: "" };

  it("claude: cache tokens count as input; 529 is transient, never 'ended with success'", async () => {
    const parser = new ClaudeStreamParser();
    parser.read(JSON.stringify({ type: "system", subtype: "init", session_id: "s1" }));
    parser.read(JSON.stringify({ type: "system", subtype: "api_retry", error_status: 529, error: "overloaded_error" }));
    parser.read(
      JSON.stringify({
        type: "result",
        subtype: "success",
        is_error: true,
        result: "API Error: Repeated 529 Overloaded errors",
        usage: { input_tokens: 10, cache_read_input_tokens: 1000, cache_creation_input_tokens: 50, output_tokens: 5 },
        total_cost_usd: 0.01,
      }),
    );
    const result = await settleRun(request(), proc, parser.findings());
    expect(result).toMatchObject({ outcome: "error", failure: "transient", usage: { inputTokens: 1060, outputTokens: 5, costUsd: 0.01 } });
    expect(result.message).not.toContain("ended with success");
    expect(result.message).toContain("Repeated 529 Overloaded");
  });

  it("claude: a lost session, refused credentials and a cut stream are told apart", async () => {
    const lost = new ClaudeStreamParser();
    lost.read(JSON.stringify({ type: "result", subtype: "error_during_execution", is_error: true, errors: ["No conversation found with session ID: abc"] }));
    expect((await settleRun(request(), proc, lost.findings())).failure).toBe("session_missing");

    const refused = new ClaudeStreamParser();
    expect(refused.read(JSON.stringify({ type: "system", subtype: "api_retry", error_status: 401, error: "authentication_failed" }))).toBe("continue");
    expect(refused.read(JSON.stringify({ type: "system", subtype: "api_retry", error_status: 401, error: "authentication_failed" }))).toBe("end");
    expect(await settleRun(request(), { ...proc, end: "ended_by_adapter" }, refused.findings())).toMatchObject({ outcome: "error", failure: "auth" });

    const cut = new ClaudeStreamParser();
    cut.read(JSON.stringify({ type: "result", subtype: "success", is_error: true, result: "API Error: Connection error." }));
    expect((await settleRun(request(), proc, cut.findings())).failure).toBe("transient");

    // An ordinary answer is no provider error.
    expect(classifyProviderError("the agent had a nice day")).toBeUndefined();
  });

  it("codex: a refused key and an overloaded API", async () => {
    const refused = new CodexStreamParser();
    refused.read(JSON.stringify({ type: "turn.failed", error: { message: "unexpected status 401 Unauthorized: Missing bearer authentication in header" } }));
    expect((await settleRun(request(), proc, refused.findings())).failure).toBe("auth");
    const busy = new CodexStreamParser();
    busy.read(JSON.stringify({ type: "error", message: "stream disconnected before completion: 503 Service Unavailable" }));
    expect((await settleRun(request(), proc, busy.findings())).failure).toBe("transient");
  });
});

describe("a lost session", () => {
  it("restarts with the conversation so far in answers.md", async () => {
    const inputDir = path.join(tmp, "lost", "input");
    await writeContextFiles(inputDir, {
      task: {
        id: "t1",
        issueNumber: 7,
        title: "T",
        body: "b",
        category: "execute",
        type: "auto",
        priority: "medium",
        phase: null,
        initiative: null,
        dependencies: [],
      },
      initiative: null,
      phase: null,
      relatedTasks: [],
      sessionLost: { sessionId: "sess-1", answers: [{ id: "q1", question: "Which colour?", answer: "@writer: blue" }] },
    });
    const answers = readFileSync(path.join(inputDir, "answers.md"), "utf8");
    expect(answers).toContain("session_lost: sess-1");
    expect(answers).toContain("could not be resumed, so this is a fresh start");
    expect(answers).toContain("Which colour?");
    expect(answers).toContain("@writer: blue");
  });
});

describe("an agent that prints 100 MB", () => {
  it("stores a capped log and a bounded tail, and the run still ends", { timeout: 60_000 }, async () => {
    const stored: string[] = [];
    // Only the inserts are looked at: a stand-in for the database that keeps what it is given.
    const db = {
      insert: () => ({
        values: async (row: { content: string }) => {
          stored.push(row.content);
        },
      }),
    } as unknown as Db;
    const sink = new LogSink(db, { id: "a1", name: "loud-agent" }, 1, testLog);
    const worktree = mkdtempSync(path.join(os.tmpdir(), "cw-loud-"));
    const result = await createAgentAdapter("command").run(
      request({
        worktree,
        inputDir: path.join(worktree, ".cw", "input"),
        outputDir: path.join(worktree, ".cw", "output"),
        command: `head -c 100000000 /dev/zero | tr '\\0' a | fold -w 1000; printf '{"status":"done","summary":"loud"}' > "$CW_OUTPUT_DIR/result.json"`,
        timeoutSeconds: 50,
        idleSeconds: 50,
        onOutput: (lines) => sink.push(lines),
      }),
    );
    await sink.flush(true);
    rmSync(worktree, { recursive: true, force: true });
    expect(result).toMatchObject({ outcome: "done", summary: "loud" });
    const total = stored.reduce((n, chunk) => n + chunk.length, 0);
    expect(total).toBeLessThan(5_100_000);
    expect(stored[stored.length - 1]).toMatch(/the log is capped at 5000000 bytes: 9\d{7} more bytes of output were not stored/);
    expect(result.logTail.length).toBeLessThan(50_000);
  });
});

describe("accounts test", () => {
  it("runs the account's CLI once, quiet and pointed at its base URL, and says whether the key works", { timeout: 30_000 }, async () => {
    const db = database.db;
    const envDump = path.join(tmp, "probe-env.txt");
    // A stand-in for claude: prints what the real one prints for a working key, or its 401 retries.
    const cli = path.join(tmp, "claude-probe");
    writeFileSync(
      cli,
      `#!/bin/sh
env > "${envDump}"
if [ "$ANTHROPIC_API_KEY" = "key-refused-0" ]; then
  for i in 1 2 3; do echo '{"type":"system","subtype":"api_retry","attempt":1,"error_status":401,"error":"authentication_failed"}'; done
  sleep 30
fi
echo '{"type":"system","subtype":"init","session_id":"probe"}'
echo '{"type":"result","subtype":"success","is_error":false,"result":"OK","session_id":"probe"}'
`,
      { mode: 0o755 },
    );
    const good = await addAccount(db, KEY, { email: "good@example.com", provider: "claude", apiKey: "key-works-0", baseUrl: "http://127.0.0.1:9/gw" });
    const bad = await addAccount(db, KEY, { email: "bad@example.com", provider: "claude", apiKey: "key-refused-0" });
    await markInvalid(db, good.id, "HTTP 401 earlier");
    const out: string[] = [];
    const err: string[] = [];
    const cliContext = {
      db,
      key: KEY,
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      probe: { agentEnv: { CW_CLAUDE_BIN: cli }, timeoutSeconds: 20 },
    };

    expect(await runAccountsCli(["test", "good@example.com"], cliContext)).toBe(0);
    expect(out.join("\n")).toContain(`ok: claude account good@example.com (${good.id}): the credentials work`);
    const seenEnv = readFileSync(envDump, "utf8");
    expect(seenEnv).toContain("ANTHROPIC_BASE_URL=http://127.0.0.1:9/gw");
    expect(seenEnv).toContain("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1");
    expect(seenEnv).toContain("DISABLE_AUTOUPDATER=1");
    // A pass makes a refused account usable again.
    expect((await listAccounts(db)).find((a) => a.id === good.id)?.invalidReason).toBeNull();

    expect(await runAccountsCli(["test", bad.id], cliContext)).toBe(1);
    expect(err.join("\n")).toContain(`FAILED: claude account bad@example.com (${bad.id}): the provider refused the credentials`);
    expect(err.join("\n")).not.toContain("key-refused-0");
    expect((await listAccounts(db)).find((a) => a.id === bad.id)?.invalidReason).toContain("401");
  });
});
