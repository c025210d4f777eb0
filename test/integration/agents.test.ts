/**
 * The agent adapters against a fake agent (test/support/fake-agent.mjs) that follows the
 * protocol: real processes, real process groups, a temporary directory as the worktree. Proves
 * the outcomes of DESIGN §3, that a stopped or timed-out agent takes its grandchildren with it,
 * that the agent's environment holds no app secret, and that its output is redacted.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createRedactor } from "../../src/lib/redact.js";
import { createAgentAdapter } from "../../src/runner/agents/create-agent-adapter.js";
import type { AgentName, AgentRunRequest } from "../../src/runner/agents/types.js";
import { writeContextFiles, type TaskContext } from "../../src/runner/context-files.js";

const FAKE_AGENT = fileURLToPath(new URL("../support/fake-agent.mjs", import.meta.url));
/** The token the fake prints for `print-secret` (FAKE_TOKEN in fake-agent.mjs). */
const FAKE_TOKEN = "ghs_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";

const tmp = mkdtempSync(path.join(os.tmpdir(), "cw-agents-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Processes a test started, killed afterwards should an assertion fail before they are. */
const pids = new Set<number>();
afterEach(() => {
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  pids.clear();
});

let runs = 0;

interface Run {
  req: AgentRunRequest;
  lines: string[];
  worktree: string;
  spawned: number[];
  file(name: string): string;
}

/** A run of the fake agent in a fresh worktree; `script` becomes FAKE_AGENT_SCRIPT. */
function fakeRun(script: unknown, overrides: Partial<AgentRunRequest> = {}): Run {
  const worktree = path.join(tmp, `worktree-${++runs}`);
  mkdirSync(worktree, { recursive: true });
  const lines: string[] = [];
  const spawned: number[] = [];
  const req: AgentRunRequest = {
    taskId: `task-${runs}`,
    mode: "execute",
    worktree,
    inputDir: path.join(worktree, ".cw", "input"),
    outputDir: path.join(worktree, ".cw", "output"),
    prompt: "Read .cw/input/task.md and do the task; write .cw/output/result.json.",
    // Limits only the watchdog tests reach (they set their own, short ones); generous enough
    // that a slow start on a loaded machine is never taken for a stall.
    timeoutSeconds: 10,
    idleSeconds: 5,
    command: `'${FAKE_AGENT}'`,
    redact: createRedactor(["account-secret-value"]),
    onOutput: (chunk) => lines.push(...chunk),
    onSpawn: (pid) => {
      spawned.push(pid);
      pids.add(pid);
    },
    ...overrides,
    env: {
      FAKE_AGENT_SCRIPT: JSON.stringify(script),
      CW_CLAUDE_BIN: FAKE_AGENT,
      CW_CODEX_BIN: FAKE_AGENT,
      ...overrides.env,
    },
  };
  return { req, lines, worktree, spawned, file: (name) => path.join(worktree, name) };
}

const run = (run: Run, adapter: AgentName = "command") => createAgentAdapter(adapter).run(run.req);

/** Alive and not a zombie waiting for a parent that never reaps it. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(25);
  }
  return check();
}

function pidFrom(file: string): number {
  const pid = Number(readFileSync(file, "utf8"));
  pids.add(pid);
  return pid;
}

describe("the command adapter and the result file", () => {
  it("finishes done with the summary and the agent's edits in the worktree", async () => {
    const r = fakeRun({ behavior: "edit", files: { "src/app.txt": "new content\n" }, summary: "Changed the app." });
    const result = await run(r);
    expect(result).toMatchObject({ outcome: "done", summary: "Changed the app.", exitCode: 0 });
    expect(readFileSync(r.file("src/app.txt"), "utf8")).toBe("new content\n");
    expect(r.spawned).toHaveLength(1);
  });

  it("returns the agent's questions", async () => {
    const questions = [
      { id: "q1", question: "Postgres or SQLite?" },
      { id: "q2", question: "Keep the old route?" },
    ];
    const result = await run(fakeRun({ behavior: "ask", questions }));
    expect(result).toMatchObject({ outcome: "questions", questions, exitCode: 0 });
  });

  it("resumes with CW_RESUME=1 and answers.md, and finishes done", async () => {
    const script = { behavior: "ask", files: { "db.txt": "postgres\n" }, summary: "Used the answer" };
    const first = fakeRun(script);
    expect((await run(first)).outcome).toBe("questions");

    const ctx: TaskContext = {
      task: {
        id: first.req.taskId,
        issueNumber: 7,
        title: "Pick a database",
        body: "Pick one.",
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
      answers: [{ id: "q1", question: "Which database?", answer: "Postgres, please." }],
    };
    await writeContextFiles(first.req.inputDir, ctx);
    const resumed = await run({ ...first, req: { ...first.req, resume: { sessionId: null } } });
    expect(resumed).toMatchObject({ outcome: "done", summary: "Used the answer (q1: Postgres, please.)" });
    expect(readFileSync(first.file("db.txt"), "utf8")).toBe("postgres\n");
  });

  it("returns the agent's error", async () => {
    const result = await run(fakeRun({ behavior: "fail", message: "the tests cannot run here" }));
    expect(result).toMatchObject({ outcome: "error", message: "the tests cannot run here", exitCode: 0 });
  });

  it("calls a non-zero exit without a result a crash", async () => {
    const result = await run(fakeRun("crash"));
    expect(result).toMatchObject({ outcome: "crashed", exitCode: 3 });
    expect(result.message).toContain("exited with code 3 without writing .cw/output/result.json");
    expect(result.logTail).toContain("about to crash");
  });

  it("calls a malformed result file an error, saying what is wrong", async () => {
    const notJson = await run(fakeRun({ behavior: "write-result", raw: '{"status":"done",' }));
    expect(notJson.outcome).toBe("error");
    expect(notJson.message).toMatch(/result\.json is not valid JSON/);

    const wrongShape = await run(fakeRun({ behavior: "write-result", result: { status: "questions", questions: [] } }));
    expect(wrongShape.outcome).toBe("error");
    expect(wrongShape.message).toMatch(/result\.json does not match the protocol.*questions/);

    const unknownStatus = await run(fakeRun({ behavior: "write-result", result: { status: "finished" } }));
    expect(unknownStatus.outcome).toBe("error");
  });

  it("calls a clean exit without a result an error", async () => {
    const result = await run(fakeRun({ behavior: "print", lines: ["did nothing"] }));
    expect(result).toMatchObject({
      outcome: "error",
      exitCode: 0,
      message: "the agent exited without writing .cw/output/result.json",
    });
  });

  it("ignores a result file left by an earlier run", async () => {
    const r = fakeRun("crash");
    mkdirSync(r.req.outputDir, { recursive: true });
    writeFileSync(path.join(r.req.outputDir, "result.json"), JSON.stringify({ status: "done", summary: "stale" }));
    expect((await run(r)).outcome).toBe("crashed");
  });

  it("says so when there is no command", async () => {
    const result = await run(fakeRun("edit", { command: "  " }));
    expect(result).toMatchObject({ outcome: "error", exitCode: null });
    expect(result.message).toMatch(/CW_AGENT_COMMAND/);
  });
});

describe("watchdogs and stopping", () => {
  it("kills an agent that runs too long: timeout, and the process is gone", async () => {
    const r = fakeRun({ behavior: "hang" }, { timeoutSeconds: 1, idleSeconds: 10 });
    const result = await run(r);
    expect(result.outcome).toBe("timeout");
    expect(result.logTail).toContain("working…");
    expect(isAlive(r.spawned[0]!)).toBe(false);
  });

  it("kills an agent that goes quiet: stalled", async () => {
    const r = fakeRun({ behavior: "silent-hang" }, { timeoutSeconds: 10, idleSeconds: 1 });
    const result = await run(r);
    expect(result.outcome).toBe("stalled");
    expect(result.message).toMatch(/nothing for 1 s/);
    expect(isAlive(r.spawned[0]!)).toBe(false);
  });

  it("keeps an agent alive while it keeps printing", async () => {
    const steps = [
      ...Array.from({ length: 3 }, (_, i) => [
        { behavior: "print", lines: [`step ${i}`] },
        { behavior: "sleep", ms: 700 },
      ]).flat(),
      { behavior: "done", summary: "slow but steady" },
    ];
    const result = await run(fakeRun({ steps }, { timeoutSeconds: 10, idleSeconds: 2 }));
    expect(result).toMatchObject({ outcome: "done", summary: "slow but steady" });
  });

  it("stops on abort and kills the grandchild with its group", async () => {
    const pidFile = path.join(tmp, `grandchild-${runs + 1}.pid`);
    const controller = new AbortController();
    // The grandchild ignores SIGTERM: only the SIGKILL to the group ends it.
    const r = fakeRun(
      { behavior: "spawn-grandchild", ignoreTerm: true },
      {
        timeoutSeconds: 30,
        idleSeconds: 30,
        signal: controller.signal,
        env: { FAKE_AGENT_PIDFILE: pidFile },
      },
    );
    const running = run(r);
    expect(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").length > 0, 5_000)).toBe(true);
    const grandchild = pidFrom(pidFile);
    expect(isAlive(grandchild)).toBe(true);

    controller.abort();
    const result = await running;
    expect(result.outcome).toBe("stopped");
    expect(await waitFor(() => !isAlive(grandchild), 3_000)).toBe(true);
    expect(isAlive(r.spawned[0]!)).toBe(false);
  });

  it("kills the group on timeout: SIGKILL for what ignores SIGTERM, grandchild included", { timeout: 120_000 }, async () => {
    const steps = [
      { behavior: "spawn-grandchild", hang: false, ignoreTerm: true },
      { behavior: "hang", ignoreTerm: true },
    ];
    // The timeout must come once the grandchild is in place (its pid written), and how long a
    // busy machine takes to start two node processes is not known: a run whose timeout came
    // first proves nothing, and runs again with twice the time.
    for (let timeoutSeconds = 2; ; timeoutSeconds *= 2) {
      const pidFile = path.join(tmp, `grandchild-${runs + 1}.pid`);
      // `exec`: the fake itself leads the group, so its own end is what the result reports.
      const r = fakeRun({ steps }, { timeoutSeconds, idleSeconds: 600, command: `exec '${FAKE_AGENT}'`, env: { FAKE_AGENT_PIDFILE: pidFile } });
      const result = await run(r);
      expect(result.outcome).toBe("timeout");
      expect(isAlive(r.spawned[0]!)).toBe(false);
      if (!(existsSync(pidFile) && readFileSync(pidFile, "utf8").length > 0)) {
        expect(timeoutSeconds, "the grandchild never started").toBeLessThan(32);
        continue;
      }
      expect(result).toMatchObject({ outcome: "timeout", exitCode: null, signal: "SIGKILL" });
      expect(await waitFor(() => !isAlive(pidFrom(pidFile)), 3_000)).toBe(true);
      return;
    }
  });

  it("returns when the agent exits even though a grandchild still holds its output, and kills the grandchild", async () => {
    const pidFile = path.join(tmp, `grandchild-${runs + 1}.pid`);
    const steps = [
      { behavior: "spawn-grandchild", hang: false },
      { behavior: "done", summary: "left a process behind" },
    ];
    const r = fakeRun({ steps }, { timeoutSeconds: 20, idleSeconds: 20, env: { FAKE_AGENT_PIDFILE: pidFile } });
    // Without the group kill this would never return: the grandchild holds the output open.
    const result = await run(r);
    expect(result).toMatchObject({ outcome: "done", summary: "left a process behind", exitCode: 0 });
    expect(await waitFor(() => !isAlive(pidFrom(pidFile)), 3_000)).toBe(true);
  });

  it("does not start an agent when the stop came first", async () => {
    const controller = new AbortController();
    controller.abort();
    const r = fakeRun("edit", { signal: controller.signal });
    const result = await run(r);
    expect(result).toMatchObject({ outcome: "stopped", exitCode: null });
    expect(r.spawned).toEqual([]);
  });
});

describe("what the agent is given and what it shows", () => {
  const APP_SECRETS = {
    PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----",
    PRIVATE_KEY_PATH: "/etc/app/key.pem",
    WEBHOOK_SECRET: "webhook-secret-value",
    DATABASE_URL: "postgres://user:pass@127.0.0.1/db",
    CW_SECRET_KEY: "cw-secret-key-value",
    APP_ID: "4242",
    GITHUB_TOKEN: "gh-token-value",
    GH_TOKEN: "gh-token-value",
    SOME_OTHER_SETTING: "not for agents",
  };

  it("runs the agent with a scrubbed environment and the protocol variables", async () => {
    const saved = Object.fromEntries(Object.keys(APP_SECRETS).map((name) => [name, process.env[name]]));
    Object.assign(process.env, APP_SECRETS);
    try {
      const envFile = path.join(tmp, `env-${runs + 1}.json`);
      const r = fakeRun("dump-env", {
        mode: "plan",
        env: { FAKE_AGENT_ENVFILE: envFile, ANTHROPIC_API_KEY: "sk-ant-account-key", GITHUB_TOKEN: "slipped-through" },
      });
      expect((await run(r)).outcome).toBe("done");
      const env = JSON.parse(readFileSync(envFile, "utf8")) as Record<string, string>;

      for (const name of Object.keys(APP_SECRETS)) expect(env, name).not.toHaveProperty(name);
      expect(env).toMatchObject({
        CW_INPUT_DIR: r.req.inputDir,
        CW_OUTPUT_DIR: r.req.outputDir,
        CW_MODE: "plan",
        CW_TASK_ID: r.req.taskId,
        ANTHROPIC_API_KEY: "sk-ant-account-key",
        PATH: process.env.PATH,
      });
      expect(path.isAbsolute(env.CW_INPUT_DIR!)).toBe(true);
      expect(path.isAbsolute(env.CW_OUTPUT_DIR!)).toBe(true);
      expect(env).not.toHaveProperty("CW_RESUME");

      // Nothing else of the runner's environment: only the allowlist, the request's env, and what the shell sets.
      const allowed = /^(PATH|HOME|LANG|LC_\w+|TERM|TMPDIR|USER|SHELL|TZ|PWD|OLDPWD|SHLVL|_|CW_\w+|FAKE_AGENT_\w+|ANTHROPIC_API_KEY)$/;
      expect(Object.keys(env).filter((name) => !allowed.test(name))).toEqual([]);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it("redacts secrets from every output line and the log tail", async () => {
    const steps = ["print-secret", { behavior: "print", lines: ["account key: account-secret-value"], stream: "stderr" }];
    const r = fakeRun({ steps });
    const result = await run(r);
    expect(result.outcome).toBe("done");
    const output = r.lines.join("\n");
    expect(output).not.toContain(FAKE_TOKEN);
    expect(output).not.toContain("account-secret-value");
    expect(output).toContain("using token [redacted] to push");
    expect(output).toContain("x-access-token:[redacted]@github.com");
    expect(output).toContain("account key: [redacted]");
    expect(result.logTail).not.toContain(FAKE_TOKEN);
    expect(result.logTail).toContain("[redacted]");
  });

  it("says the agent could not be started when its binary is missing", async () => {
    const r = fakeRun("claude-stream", { env: { CW_CLAUDE_BIN: path.join(tmp, "no-such-claude") } });
    const result = await run(r, "claude");
    expect(result).toMatchObject({ outcome: "error", exitCode: null });
    expect(result.message).toMatch(/could not be started.*ENOENT/);
  });
});

describe("the claude adapter", () => {
  it("runs claude -p with stream-json and takes summary, session, usage and cost from the stream", async () => {
    const argvFile = path.join(tmp, `argv-${runs + 1}.json`);
    const r = fakeRun({ behavior: "claude-stream", sessionId: "sess-123", summary: "Added the login redirect." }, { env: { FAKE_AGENT_ARGVFILE: argvFile } });
    const result = await run(r, "claude");
    expect(result).toMatchObject({
      outcome: "done",
      summary: "Added the login redirect.",
      sessionId: "sess-123",
      usage: { inputTokens: 1200, outputTokens: 345, costUsd: 0.0123 },
      exitCode: 0,
    });
    expect(JSON.parse(readFileSync(argvFile, "utf8"))).toEqual([
      "-p",
      r.req.prompt,
      "--output-format",
      "stream-json",
      "--verbose",
      "--permission-mode",
      "acceptEdits",
    ]);
    expect(r.lines.some((line) => line.includes('"type":"result"'))).toBe(true);
  });

  it("prefers result.json to the stream's result", async () => {
    const steps = ["claude-stream", { behavior: "ask", questions: [{ id: "q1", question: "Which one?" }] }];
    const result = await run(fakeRun({ steps }), "claude");
    expect(result).toMatchObject({ outcome: "questions", questions: [{ id: "q1", question: "Which one?" }], sessionId: "fake-session-1" });
  });

  it("resumes the known session with --resume", async () => {
    const argvFile = path.join(tmp, `argv-${runs + 1}.json`);
    const r = fakeRun("claude-stream", { resume: { sessionId: "sess-9" }, env: { FAKE_AGENT_ARGVFILE: argvFile } });
    expect((await run(r, "claude")).outcome).toBe("done");
    expect(JSON.parse(readFileSync(argvFile, "utf8"))).toEqual(expect.arrayContaining(["--resume", "sess-9"]));
  });

  it("reports a usage limit with its reset time", async () => {
    const resetAt = Math.floor(Date.now() / 1000) + 7200;
    const result = await run(fakeRun({ behavior: "usage-limit", resetAt }), "claude");
    expect(result).toMatchObject({ outcome: "usage_limited", exitCode: 1, sessionId: "fake-session-1" });
    expect(result.limitResetAt?.getTime()).toBe(resetAt * 1000);
  });

  it("reads a reset time of day in the stated zone", async () => {
    const result = await run(fakeRun({ behavior: "usage-limit", text: "5-hour limit reached ∙ resets 3pm (UTC)" }), "claude");
    expect(result.outcome).toBe("usage_limited");
    const reset = result.limitResetAt!;
    expect(reset.getUTCHours()).toBe(15);
    expect(reset.getTime() - Date.now()).toBeGreaterThan(0);
    expect(reset.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600 * 1000);
  });

  it("stops early on repeated 429 retries instead of waiting through ten", async () => {
    // The fake hangs after its retries: only ending early makes this "usage_limited", not "timeout".
    const r = fakeRun({ behavior: "api-retry", status: 429, count: 3 }, { timeoutSeconds: 20, idleSeconds: 20 });
    const result = await run(r, "claude");
    expect(result.outcome).toBe("usage_limited");
    expect(result.message).toMatch(/429/);
  });

  it("stops early on repeated 401 retries with an error", async () => {
    const r = fakeRun({ behavior: "api-retry", status: 401, count: 2 }, { timeoutSeconds: 10, idleSeconds: 10 });
    const result = await run(r, "claude");
    expect(result.outcome).toBe("error");
    expect(result.message).toMatch(/credentials.*401/);
  });
});

describe("the codex adapter", () => {
  it("runs codex exec --json and takes the thread and usage from the stream; the result file decides", async () => {
    const argvFile = path.join(tmp, `argv-${runs + 1}.json`);
    const steps = [
      { behavior: "codex-stream", sessionId: "thread-1" },
      { behavior: "done", summary: "From the file." },
    ];
    const r = fakeRun({ steps }, { env: { FAKE_AGENT_ARGVFILE: argvFile } });
    const result = await run(r, "codex");
    expect(result).toMatchObject({
      outcome: "done",
      summary: "From the file.",
      sessionId: "thread-1",
      usage: { inputTokens: 900, outputTokens: 200 },
    });
    const argv = JSON.parse(readFileSync(argvFile, "utf8")) as string[];
    expect(argv.slice(0, 2)).toEqual(["exec", "--json"]);
    expect(argv.at(-1)).toBe(r.req.prompt);
    expect(argv).not.toContain("resume");
  });

  it("keeps codex's own sandbox (workspace-write) where agents may make user namespaces, and sets it aside where they may not", async () => {
    const sandboxOf = async (userNamespaces: boolean | undefined) => {
      const argvFile = path.join(tmp, `argv-${runs + 1}.json`);
      const sandbox =
        userNamespaces === undefined
          ? {}
          : {
              sandbox: {
                wrap: (file: string, args: readonly string[], env: Record<string, string>) => ({ file, args: [...args], env }),
                reap: async () => {},
                userNamespaces,
              },
            };
      const r = fakeRun("done", { ...sandbox, env: { FAKE_AGENT_ARGVFILE: argvFile } });
      expect((await run(r, "codex")).outcome).toBe("done");
      const argv = JSON.parse(readFileSync(argvFile, "utf8")) as string[];
      return argv.filter((arg) => arg.startsWith("sandbox_mode="));
    };
    expect(await sandboxOf(true)).toEqual(['sandbox_mode="workspace-write"']);
    expect(await sandboxOf(undefined)).toEqual(['sandbox_mode="workspace-write"']);
    // The Docker image: bubblewrap could not run one command; the agent's user confines it.
    expect(await sandboxOf(false)).toEqual(['sandbox_mode="danger-full-access"']);
  });

  it("hands the runner's OPENAI_API_KEY and OPENAI_BASE_URL on where codex reads them: CODEX_API_KEY, and a provider at that URL", async () => {
    const envFile = path.join(tmp, `env-${runs + 1}.json`);
    const argvFile = path.join(tmp, `argv-${runs + 1}.json`);
    const r = fakeRun("dump-env", {
      env: { FAKE_AGENT_ENVFILE: envFile, FAKE_AGENT_ARGVFILE: argvFile, OPENAI_API_KEY: "sk-runner-openai", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" },
    });
    expect((await run(r, "codex")).outcome).toBe("done");
    const env = JSON.parse(readFileSync(envFile, "utf8")) as Record<string, string>;
    expect(env).toMatchObject({ CODEX_API_KEY: "sk-runner-openai", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" });
    const argv = (JSON.parse(readFileSync(argvFile, "utf8")) as string[]).join(" ");
    expect(argv).toContain("http://127.0.0.1:9/v1");
    expect(argv).toContain('env_key="CODEX_API_KEY"');
  });

  it("resumes the thread with exec resume", async () => {
    const argvFile = path.join(tmp, `argv-${runs + 1}.json`);
    const steps = ["codex-stream", "done"];
    const r = fakeRun({ steps }, { resume: { sessionId: "thread-7" }, env: { FAKE_AGENT_ARGVFILE: argvFile } });
    expect((await run(r, "codex")).outcome).toBe("done");
    const argv = JSON.parse(readFileSync(argvFile, "utf8")) as string[];
    expect(argv.slice(0, 2)).toEqual(["exec", "--json"]);
    expect(argv.slice(-3)).toEqual(["resume", "thread-7", r.req.prompt]);
  });

  it("calls a clean exit without result.json an error, quoting the agent's last message", async () => {
    const result = await run(fakeRun({ behavior: "codex-stream", summary: "All done, I think." }), "codex");
    expect(result.outcome).toBe("error");
    expect(result.message).toMatch(/without writing \.cw\/output\/result\.json.*All done, I think\./);
  });

  it("reports a usage limit with its reset time", async () => {
    const before = Date.now();
    const result = await run(fakeRun({ behavior: "codex-stream", usageLimit: true }), "codex");
    expect(result).toMatchObject({ outcome: "usage_limited", exitCode: 1 });
    const wait = result.limitResetAt!.getTime() - before;
    expect(wait).toBeGreaterThanOrEqual(2.5 * 3600 * 1000 - 1000);
    expect(wait).toBeLessThanOrEqual(2.5 * 3600 * 1000 + 60_000);
  });
});
