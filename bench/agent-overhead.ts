/**
 * The cost of each agent adapter per run, against running its CLI by hand: the real `claude`
 * and `codex` (node_modules/.bin) against the local fakes of their APIs (test/support/fake-*.ts),
 * one short answer per run. "By hand" spawns the CLI with the same arguments and environment and
 * waits for its exit; "adapter" runs it through `createAgentAdapter(...).run` (environment
 * built from the allowlist, stream parsed line by line, redaction, result file, group kill).
 * Runs are uncontained here (no agent user): containment is measured by bench/runner.ts.
 *
 *   npx tsx bench/agent-overhead.ts [runs=10]
 *
 * A CLI that is not installed is reported and skipped.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import { createAgentAdapter } from "../src/runner/agents/create-agent-adapter.js";
import { CLAUDE_QUIET_ENV } from "../src/runner/agents/claude-adapter.js";
import type { AgentName, AgentRunRequest } from "../src/runner/agents/types.js";
import { FakeAnthropic, reply, text } from "../test/support/fake-anthropic.js";
import { FakeOpenAI, message } from "../test/support/fake-openai.js";
import { median } from "./support/bench-app.js";

const RUNS = Number(process.argv[2] ?? 10);
const BIN = path.resolve("node_modules/.bin");

interface Cli {
  name: AgentName;
  bin: string;
  handArgs: (prompt: string) => string[];
  env: (apiUrl: string, home: string) => Record<string, string>;
}

const CLIS: Cli[] = [
  {
    name: "claude",
    bin: path.join(BIN, "claude"),
    handArgs: (prompt) => ["-p", prompt, "--output-format", "stream-json", "--verbose", "--permission-mode", "acceptEdits"],
    env: (apiUrl, home) => ({
      ANTHROPIC_BASE_URL: apiUrl,
      ANTHROPIC_API_KEY: "bench-key-000000",
      HOME: home,
      CLAUDE_CONFIG_DIR: path.join(home, ".claude"),
      ...CLAUDE_QUIET_ENV,
    }),
  },
  {
    name: "codex",
    bin: path.join(BIN, "codex"),
    handArgs: (prompt) => ["exec", "--json", "-c", 'sandbox_mode="workspace-write"', "--skip-git-repo-check", prompt],
    env: (apiUrl, home) => ({ CODEX_API_KEY: "bench-key-000000", HOME: home, OPENAI_BASE_URL: `${apiUrl}/v1` }),
  },
];

async function main(): Promise<void> {
  const anthropic = await new FakeAnthropic().start();
  anthropic.script = () => reply(text("OK"));
  const openai = await new FakeOpenAI().start();
  openai.script = () => ({ kind: "items", items: [message("OK")] });
  console.log(`agent overhead per run, ${RUNS} runs each, median (load ${os.loadavg()[0]!.toFixed(2)})`);
  try {
    for (const cli of CLIS) {
      if (!existsSync(cli.bin)) {
        console.log(`  ${cli.name}: not installed at ${cli.bin}; skipped`);
        continue;
      }
      const apiUrl = cli.name === "claude" ? anthropic.url : openai.url;
      const scratch = mkdtempSync(path.join(os.tmpdir(), `cw-bench-${cli.name}-`));
      // Every other host goes to the fake too, through the proxy settings, where it is refused and counted.
      const proxy = {
        HTTPS_PROXY: apiUrl,
        HTTP_PROXY: apiUrl,
        https_proxy: apiUrl,
        http_proxy: apiUrl,
        NO_PROXY: "127.0.0.1,localhost",
        no_proxy: "127.0.0.1,localhost",
      };
      const env = { PATH: process.env.PATH ?? "", ...proxy, ...cli.env(apiUrl, scratch) };
      const extra = cli.name === "codex" ? ["-c", `openai_base_url="${apiUrl}/v1"`] : [];
      const hand: number[] = [];
      const adapter: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        let start = performance.now();
        await execa(cli.bin, [...extra, ...cli.handArgs("Reply OK.")], { cwd: scratch, env, extendEnv: false, reject: false, stdin: "ignore" });
        hand.push(performance.now() - start);
        const req: AgentRunRequest = {
          taskId: "bench",
          mode: "execute",
          worktree: scratch,
          inputDir: path.join(scratch, ".cw", "input"),
          outputDir: path.join(scratch, ".cw", "output"),
          prompt: "Reply OK.",
          timeoutSeconds: 120,
          idleSeconds: 120,
          env: { ...env, CW_CLAUDE_BIN: path.join(BIN, "claude"), CW_CODEX_BIN: path.join(BIN, "codex") },
          redact: (t) => t,
          onOutput: () => {},
        };
        start = performance.now();
        const result = await createAgentAdapter(cli.name).run(req);
        adapter.push(performance.now() - start);
        if (i === 0 && result.exitCode !== 0) console.log(`  ${cli.name}: the adapter's run ended ${result.outcome}: ${result.message ?? ""}`);
      }
      rmSync(scratch, { recursive: true, force: true });
      const h = median(hand);
      const a = median(adapter);
      console.log(
        `  ${cli.name}: by hand ${h.toFixed(0)} ms, through the adapter ${a.toFixed(0)} ms, overhead ${(a - h).toFixed(0)} ms (${((a / h - 1) * 100).toFixed(1)} %)`,
      );
    }
    const leaks = [...anthropic.foreign, ...openai.foreign];
    console.log(`  requests to any other host: ${leaks.length}${leaks.length ? ` (${leaks.join(", ")})` : ""}`);
  } finally {
    await anthropic.stop();
    await openai.stop();
  }
}

await main();
