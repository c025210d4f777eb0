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
import { FakeOpenAI, inputTexts, message } from "../support/fake-openai.js";
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
  const [agent] = await db.insert(agents).values({ name: `real-cli-${issueNumber}`, worktreeId: `wt-${issueNumber}`, taskId: task!.id, status: "running", attempt: 1 }).returning();
  const worktree = path.join(workDir, "worktrees", task!.id);
  mkdirSync(worktree, { recursive: true });
  return { task: task!, agent: agent!, worktree };
}

type Started = Awaited<ReturnType<typeof startedTask>>;

function deps(agent: AgentName, agentEnv: Record<string, string>): RunDeps {
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
    containment,
    tokenFor: () => Promise.reject(new Error("no GitHub here")),
    secrets: () => [],
    onFinished: () => {},
  };
}

/** The agent run as run-task starts it: account, HOME, worktree handed over, contained. */
async function run(
  agent: AgentName,
  started: Started,
  options: { prompt: string; resume?: { sessionId: string | null; accountId: string | null }; signal?: AbortSignal },
): Promise<{ result: AgentRunResult; accountId: string | null }> {
  const fake = agent === "claude" ? anthropic : openai;
  const env =
    agent === "claude"
      ? { CW_CLAUDE_BIN: claudeBinary() }
      : { CW_CODEX_BIN: codexBinary() };
  const end: OneAgentEnd = await runOneAgent(
    deps(agent, { ...env, HTTPS_PROXY: fake.url, HTTP_PROXY: fake.url, NO_PROXY: "127.0.0.1,localhost" }),
    {
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
      prepare: async () => {
        mkdirSync(path.join(started.worktree, ".cw", "input"), { recursive: true });
        writeFileSync(path.join(started.worktree, ".cw", "input", "task.md"), `---\ntask: ${started.task.id}\n---\n${started.task.name}\n`);
      },
      redact: (t) => t,
      onSpawn: () => {},
      signal: options.signal ?? new AbortController().signal,
    },
  );
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
    expect(existsSync(path.join(workDir, "homes", homeKey(started.task.id, null)))).toBe(false);
  });
});
