/**
 * Issue #11: the adapters against the REAL agent CLIs they drive (the versions pinned in
 * package.json), each talking to a local fake of its provider's API on 127.0.0.1.
 *
 * Every run goes the way run-task runs an agent (`runOneAgent`): the account picked from the
 * store and materialised into the agent's HOME (`homes/<task>--<account>`), the worktree at
 * `worktrees/<task id>`, both handed to an agent user of the containment the tests use (its own
 * uid, PID and mount namespaces), the adapter's argument list and quiet switches, its stream
 * parser. The fakes are also the CLIs' only proxy: any request for another host is refused and
 * logged, and every test ends by asserting there was none.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { accounts, agents, projects, tasks } from "../../src/db/schema.js";
import { addAccount } from "../../src/runner/accounts/account-store.js";
import { homeKey } from "../../src/runner/containment/agent-session.js";
import { setUpContainment, type Containment } from "../../src/runner/containment/containment.js";
import { credentialsRefused } from "../../src/runner/credentials-refused.js";
import { runOneAgent, type OneAgentEnd } from "../../src/runner/run-one-agent.js";
import type { RunDeps, RunnerSettings } from "../../src/runner/run-task.js";
import type { AgentName, AgentRunResult } from "../../src/runner/agents/types.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { assistantTexts, FakeAnthropic, reply, text, toolResultCount, toolUse, userTexts, type MessagesRequest } from "../support/fake-anthropic.js";
import { FakeOpenAI, inputTexts, message, shellCall, toolOutputCount } from "../support/fake-openai.js";
import { testAgentUsers, testLog } from "../support/github-app.js";
import { claudeBinary, codexBinary } from "../support/real-clis.js";
import { agentScratch } from "../support/scratch.js";

const KEY = randomBytes(32);
const scratch = agentScratch("cw-real-clis-");
const workDir = path.join(scratch, "work");
const anthropic = new FakeAnthropic();
const openai = new FakeOpenAI();
let database: TestDatabase;
let containment: Containment;
let projectId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const setup = await setUpContainment({ workDir, agentUsers: testAgentUsers(), unsafe: false, maxAgents: 1 });
  if (!setup.ok) throw new Error(setup.problem);
  containment = setup.containment;
  await anthropic.start();
  await openai.start();
  const [project] = await database.db
    .insert(projects)
    .values({ name: "acme/shop", url: "/tmp/shop.git", owner: "acme", repo: "shop", installationId: 1, config: {} })
    .returning();
  projectId = project!.id;
});
afterAll(async () => {
  await anthropic.stop();
  await openai.stop();
  await database?.close();
  rmSync(scratch, { recursive: true, force: true });
});
afterEach(async () => {
  // Not one request for another host, in any test.
  expect(anthropic.foreign).toEqual([]);
  expect(openai.foreign).toEqual([]);
  anthropic.reset();
  openai.reset();
  await database.db.delete(accounts);
});

let issues = 100;

/** A task in progress (claimed by runner r1) with its agent, as the runner has them when it starts the agent. */
async function startedTask() {
  const db = database.db;
  const issueNumber = ++issues;
  const [task] = await db
    .insert(tasks)
    .values({ projectId, name: `Task ${issueNumber}`, issueNumber, status: "in_progress", attempt: 1, claimedBy: "r1" })
    .returning();
  const [agent] = await db
    .insert(agents)
    .values({ name: `real-cli-${issueNumber}`, worktreeId: `wt-${issueNumber}`, taskId: task!.id, status: "running", attempt: 1 })
    .returning();
  const worktree = path.join(workDir, "worktrees", task!.id);
  mkdirSync(worktree, { recursive: true });
  return { task: task!, agent: agent!, worktree };
}

type Started = Awaited<ReturnType<typeof startedTask>>;

function deps(agent: AgentName, agentEnv: Record<string, string>, userNamespaces = containment.userNamespaces): RunDeps {
  const settings: RunnerSettings = {
    workDir,
    agent,
    agentCommand: undefined,
    timeoutSeconds: 40,
    idleSeconds: 30,
    maxRetries: 0,
    secretKey: KEY,
    agentEnv,
    heartbeatMs: 60_000,
  };
  return {
    database,
    log: testLog,
    workspace: undefined as never,
    settings,
    containment: { ...containment, userNamespaces },
    tokenFor: () => Promise.reject(new Error("no GitHub here")),
    secrets: () => [],
    onFinished: () => {},
  };
}

/** The agent run as run-task starts it: account, HOME, worktree handed over, contained. */
async function run(
  agent: AgentName,
  started: Started,
  options: {
    prompt: string;
    resume?: { sessionId: string | null; accountId: string | null };
    signal?: AbortSignal;
    /** As the host allows, unless told: false is the Docker image (no user namespaces for agents). */
    userNamespaces?: boolean;
  },
): Promise<{ result: AgentRunResult; accountId: string | null }> {
  const fake = agent === "claude" ? anthropic : openai;
  const env: Record<string, string> = agent === "claude" ? { CW_CLAUDE_BIN: claudeBinary() } : { CW_CODEX_BIN: codexBinary() };
  const proxied = { ...env, HTTPS_PROXY: fake.url, HTTP_PROXY: fake.url, NO_PROXY: "127.0.0.1,localhost" };
  const end: OneAgentEnd = await runOneAgent(deps(agent, proxied, options.userNamespaces), {
    agent: started.agent,
    mode: "execute",
    taskId: started.task.id,
    attempt: 1,
    fence: { taskId: started.task.id, attempt: 1, runnerId: "r1" },
    worktree: started.worktree,
    inputDir: path.join(started.worktree, ".cw", "input"),
    outputDir: path.join(started.worktree, ".cw", "output"),
    prompt: options.prompt,
    ...(options.resume ? { resume: options.resume } : {}),
    // What run-task's prepare does: the output folder, then the input files (here only task.md).
    prepare: async () => {
      mkdirSync(path.join(started.worktree, ".cw", "output"), { recursive: true });
      mkdirSync(path.join(started.worktree, ".cw", "input"), { recursive: true });
      writeFileSync(path.join(started.worktree, ".cw", "input", "task.md"), `---\ntask: ${started.task.id}\n---\n${started.task.name}\n`);
    },
    redact: (t) => t,
    onSpawn: () => {},
    signal: options.signal ?? new AbortController().signal,
  });
  if (end.kind !== "ran") throw new Error(`the agent did not run: ${JSON.stringify(end)}`);
  return { result: end.result, accountId: end.accountId };
}

/** The main conversation's requests (claude also makes small helper calls without tools). */
function mainTurns(): MessagesRequest[] {
  return anthropic.conversations.filter((c) => (c.body.tools?.length ?? 0) > 0);
}

describe("claude (the real CLI)", () => {
  it("writes a file with its own Write tool, and reports session, usage with cache tokens, and cost", async () => {
    const started = await startedTask();
    await addAccount(database.db, KEY, { email: "claude@example.com", provider: "claude", apiKey: "sk-ant-fake-1", baseUrl: anthropic.url });
    const target = path.join(started.worktree, "hello.txt");
    anthropic.script = (req) => {
      if (!req.body.tools?.length) return reply(text("ok"));
      if (toolResultCount(req) === 0) return reply(text("Writing the file."), toolUse("Write", { file_path: target, content: "hello from claude\n" }));
      return reply(text("Wrote hello.txt."));
    };

    const { result } = await run("claude", started, { prompt: "Write hello.txt." });

    expect(result).toMatchObject({ outcome: "done", summary: "Wrote hello.txt.", exitCode: 0 });
    expect(readFileSync(target, "utf8")).toBe("hello from claude\n");
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    // Two API calls of 100 input, 1000 cache-read and 50 cache-write tokens, 20 output each.
    expect(result.usage).toMatchObject({ inputTokens: 2 * (100 + 1000 + 50), outputTokens: 40 });
    expect(result.usage?.costUsd).toBeGreaterThan(0);
    const turns = mainTurns();
    expect(turns.length).toBe(2);
    expect(turns[0]!.headers["x-api-key"]).toBe("sk-ant-fake-1");
    expect(turns[0]!.body.tools?.map((t) => t.name)).toContain("Write");
  });

  it("resumes its session in the same worktree and HOME: the API sees the earlier turns", async () => {
    const started = await startedTask();
    const account = await addAccount(database.db, KEY, { email: "claude@example.com", provider: "claude", apiKey: "sk-ant-fake-2", baseUrl: anthropic.url });
    anthropic.script = (req) => reply(text(userTexts(req).some((t) => t.includes("second prompt")) ? "Second answer." : "First answer, about zebras."));
    const first = await run("claude", started, { prompt: "The first prompt: tell me about zebras." });
    expect(first.result).toMatchObject({ outcome: "done", summary: "First answer, about zebras." });
    expect(first.accountId).toBe(account.id);
    const sessionId = first.result.sessionId!;
    anthropic.reset();

    const second = await run("claude", started, { prompt: "The second prompt.", resume: { sessionId, accountId: account.id } });

    expect(second.result).toMatchObject({ outcome: "done", summary: "Second answer.", sessionId });
    const turn = mainTurns()[0]!;
    expect(userTexts(turn).join("\n")).toContain("The first prompt: tell me about zebras.");
    expect(assistantTexts(turn)).toContain("First answer, about zebras.");
    expect(userTexts(turn).join("\n")).toContain("The second prompt.");
    // Where it found the session: the account's HOME for this task, under the worktree's path.
    const home = path.join(workDir, "homes", homeKey(started.task.id, account.id));
    expect(existsSync(path.join(home, ".claude", "projects", started.worktree.replace(/[^A-Za-z0-9]/g, "-"), `${sessionId}.jsonl`))).toBe(true);
  });

  it("killed in the middle of a call, resumes with what it had", async () => {
    const started = await startedTask();
    const account = await addAccount(database.db, KEY, { email: "claude@example.com", provider: "claude", apiKey: "sk-ant-fake-3", baseUrl: anthropic.url });
    anthropic.script = (req) => (req.body.tools?.length ? { kind: "hang" } : reply(text("ok")));
    const stop = new AbortController();
    const running = run("claude", started, { prompt: "The prompt before the kill.", signal: stop.signal });
    await expect.poll(() => mainTurns().length, { timeout: 20_000 }).toBe(1);
    stop.abort();
    const killed = (await running).result;
    expect(killed.outcome).toBe("stopped");
    const sessionId = killed.sessionId!;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    anthropic.reset();
    anthropic.script = () => reply(text("Going on after the kill."));

    const resumed = await run("claude", started, { prompt: "Go on.", resume: { sessionId, accountId: account.id } });

    expect(resumed.result).toMatchObject({ outcome: "done", summary: "Going on after the kill." });
    expect(userTexts(mainTurns()[0]!).join("\n")).toContain("The prompt before the kill.");
  });

  it("a session it does not know: session_missing (on which run-task starts afresh with answers.md), not a crash", async () => {
    const started = await startedTask();
    const account = await addAccount(database.db, KEY, { email: "claude@example.com", provider: "claude", apiKey: "sk-ant-fake-4", baseUrl: anthropic.url });
    anthropic.script = () => reply(text("Should not be asked."));

    const { result } = await run("claude", started, { prompt: "Go on.", resume: { sessionId: "0b3e9c52-8a43-4f5e-9d7e-3c1f2a4b5c6d", accountId: account.id } });

    expect(result).toMatchObject({ outcome: "error", failure: "session_missing" });
    expect(result.message).toContain("No conversation found with session ID");
    expect(mainTurns()).toEqual([]);
  });

  it("refused credentials: a failure the runner sets the account aside for, within seconds", async () => {
    const started = await startedTask();
    const account = await addAccount(database.db, KEY, { email: "wrong@example.com", provider: "claude", apiKey: "sk-ant-wrong", baseUrl: anthropic.url });
    anthropic.script = () => ({ kind: "error", status: 401, type: "authentication_error", message: "invalid x-api-key" });

    const { result, accountId } = await run("claude", started, { prompt: "Anything." });

    expect(result).toMatchObject({ outcome: "error", failure: "auth" });
    expect(accountId).toBe(account.id);
    const end = await credentialsRefused(deps("claude", {}), accountId, result.message ?? "", result.logTail);
    expect(end).toMatchObject({ kind: "failed" });
    expect((await database.db.select().from(accounts).where(eq(accounts.id, account.id)))[0]!.invalidReason).toBeTruthy();
  });
});

describe("codex (the real CLI)", () => {
  it("runs codex exec with an API-key account's key and base URL, writes its result, and resumes its thread", async () => {
    const started = await startedTask();
    const account = await addAccount(database.db, KEY, {
      email: "codex@example.com",
      provider: "codex",
      apiKey: "sk-openai-fake-1",
      baseUrl: `${openai.url}/v1`,
    });
    openai.script = (req) => {
      const said = inputTexts(req).join("\n");
      if (said.includes("second prompt")) return { kind: "items", items: [message("Second answer from codex.")] };
      if (toolOutputCount(req) === 0) {
        return { kind: "items", items: [shellCall(req, `printf '{"status":"done","summary":"codex wrote it"}' > "$CW_OUTPUT_DIR/result.json"`)] };
      }
      return { kind: "items", items: [message("First answer from codex.")] };
    };

    const first = await run("codex", started, { prompt: "The first prompt for codex." });

    expect(first.result).toMatchObject({ outcome: "done", summary: "codex wrote it", exitCode: 0 });
    expect(first.accountId).toBe(account.id);
    expect(openai.conversations.length).toBeGreaterThan(0);
    for (const request of openai.conversations) expect(request.headers.authorization).toBe("Bearer sk-openai-fake-1");
    // Over HTTPS at once: no WebSocket attempt (a GET upgrade) at the account's address.
    expect(openai.requests.filter((r) => r.method === "GET" && r.url.includes("/responses"))).toEqual([]);
    expect(first.result.usage?.inputTokens).toBeGreaterThan(0);
    const threadId = first.result.sessionId!;
    expect(threadId).toBeTruthy();
    openai.reset();

    const second = await run("codex", started, { prompt: "The second prompt.", resume: { sessionId: threadId, accountId: account.id } });

    expect(second.result.sessionId).toBe(threadId);
    const said = inputTexts(openai.conversations[0]!).join("\n");
    expect(said).toContain("The first prompt for codex.");
    expect(said).toContain("First answer from codex.");
    expect(said).toContain("The second prompt.");
  });
});

describe("codex where agents may not make user namespaces (the Docker image), the real CLI", () => {
  it("runs its commands without its own sandbox (bubblewrap could run none), confined by the agent's user, and writes its result", async () => {
    const started = await startedTask();
    await addAccount(database.db, KEY, { email: "codex-image@example.com", provider: "codex", apiKey: "sk-openai-fake-3", baseUrl: `${openai.url}/v1` });
    openai.script = (req) =>
      toolOutputCount(req) === 0
        ? {
            kind: "items",
            items: [
              shellCall(req, `id -un > "$CW_OUTPUT_DIR/who" && printf '{"status":"done","summary":"ran as %s"}' "$(id -un)" > "$CW_OUTPUT_DIR/result.json"`),
            ],
          }
        : { kind: "items", items: [message("Done.")] };

    const { result } = await run("codex", started, { prompt: "Say who you are.", userNamespaces: false });

    const user = readFileSync(path.join(started.worktree, ".cw", "output", "who"), "utf8").trim();
    expect(result).toMatchObject({ outcome: "done", summary: `ran as ${user}`, exitCode: 0 });
    // The agent's own user, not the runner's: the containment is what confines it.
    expect(user).not.toBe(os.userInfo().username);
    const turn = JSON.parse(String(openai.conversations[0]!.headers["x-codex-turn-metadata"] ?? "{}")) as { sandbox_mode?: string };
    expect(turn.sandbox_mode).toBe("danger-full-access");
  });
});

describe("codex refusing credentials (the real CLI)", () => {
  it("a 401 from the provider is an auth failure the runner sets the account aside for, not a retry", async () => {
    const started = await startedTask();
    const account = await addAccount(database.db, KEY, {
      email: "codex-wrong@example.com",
      provider: "codex",
      apiKey: "sk-openai-wrong",
      baseUrl: `${openai.url}/v1`,
    });
    openai.script = () => ({ kind: "error", status: 401, code: "invalid_api_key", message: "Incorrect API key provided: sk-openai-wrong." });

    const { result, accountId } = await run("codex", started, { prompt: "Anything." });

    // codex would ask five times more (its stream retries): the run ends at the second refusal,
    // and the failure is auth, with the provider's words and the key redacted.
    expect(result).toMatchObject({ outcome: "error", failure: "auth" });
    expect(openai.conversations.length).toBeLessThanOrEqual(3);
    expect(result.message).toContain("401 Unauthorized: Incorrect API key provided: [redacted]");
    expect(result.logTail).not.toContain("sk-openai-wrong");
    expect(accountId).toBe(account.id);
    for (const request of openai.conversations) expect(request.headers.authorization).toBe("Bearer sk-openai-wrong");
    const end = await credentialsRefused(deps("codex", {}), accountId, result.message ?? "", result.logTail);
    expect(end).toMatchObject({ kind: "failed" });
    expect((await database.db.select().from(accounts).where(eq(accounts.id, account.id)))[0]!.invalidReason).toBeTruthy();
  });
});

/** A JWT as codex reads it (it parses the claims and never checks the signature). */
function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256", typ: "JWT" })}.${part(claims)}.${Buffer.from("signature").toString("base64url")}`;
}

describe("codex signed in with a ChatGPT login (the real CLI)", () => {
  it("uses the login's access token from auth.json in the agent's CODEX_HOME, at the account's base URL", async () => {
    const started = await startedTask();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const auth = { "https://api.openai.com/auth": { chatgpt_plan_type: "pro", chatgpt_account_id: "acct-cw-1", chatgpt_user_id: "user-1" } };
    const accessToken = fakeJwt({ exp, email: "login@example.com", ...auth });
    const credentials = {
      OPENAI_API_KEY: null,
      tokens: { id_token: fakeJwt({ exp, email: "login@example.com", ...auth }), access_token: accessToken, refresh_token: "rt-cw-1", account_id: "acct-cw-1" },
      last_refresh: new Date().toISOString(),
    };
    const account = await addAccount(database.db, KEY, {
      email: "login@example.com",
      provider: "codex",
      credentialsJson: JSON.stringify(credentials),
      baseUrl: `${openai.url}/v1`,
    });
    openai.script = (req) =>
      toolOutputCount(req) === 0
        ? { kind: "items", items: [shellCall(req, `printf '{"status":"done","summary":"codex with a login"}' > "$CW_OUTPUT_DIR/result.json"`)] }
        : { kind: "items", items: [message("Done with a login.")] };

    const { result, accountId } = await run("codex", started, { prompt: "Write your result." });

    expect(result).toMatchObject({ outcome: "done", summary: "codex with a login" });
    expect(accountId).toBe(account.id);
    expect(openai.conversations.length).toBeGreaterThan(0);
    for (const request of openai.conversations) {
      expect(request.headers.authorization).toBe(`Bearer ${accessToken}`);
      expect(request.headers["chatgpt-account-id"]).toBe("acct-cw-1");
    }
    // Signed in with a login, codex also checks the account with ChatGPT's own backend
    // (chatgpt.com/backend-api/wham/accounts/check and …/settings/user, whatever the provider's
    // base URL): the fake proxy refused those tunnels, so nothing left the machine, and the run
    // went on without them. That host is the login's provider; no other was asked.
    expect(new Set(openai.foreign)).toEqual(new Set(["CONNECT chatgpt.com:443"]));
    openai.foreign.length = 0;
  });
});
