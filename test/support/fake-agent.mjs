#!/usr/bin/env node
/**
 * A fake coding agent that follows the agent protocol (DESIGN §3): it runs in its worktree,
 * reads `$CW_INPUT_DIR`, writes `$CW_OUTPUT_DIR/result.json`, and can imitate Claude Code's
 * stream-json and Codex's --json output. Tests use it as CW_AGENT_COMMAND, CW_CLAUDE_BIN or
 * CW_CODEX_BIN.
 *
 * What it does comes from FAKE_AGENT_SCRIPT, or else from a ```fake-agent fenced block in
 * `$CW_INPUT_DIR/task.md` (so an issue body can drive it end to end), or else "edit" with no
 * files. As a merge agent (CW_MODE=merge) it reads FAKE_AGENT_MERGE_SCRIPT, or else a
 * ```fake-agent-merge block of task.md, or else "resolve". A script is a behaviour name (`crash`), one step (`{"behavior":"edit","files":{…}}`) or
 * a chain (`{"steps":[{"behavior":"print","lines":["a"]},{"behavior":"sleep","ms":100},"fail"]}`).
 *
 * Behaviours:
 *   edit            write `files` ({path: content}, relative to the worktree), then result done (`summary`)
 *   done            result done with `summary`
 *   ask             result questions (`questions`, default one q1); when CW_RESUME=1 and answers.md
 *                   exists: read it, write `files`, result done with a summary quoting the answers
 *   fail            result error with `message`
 *   crash           exit `code` (default 3) without a result
 *   write-result    write `raw` text (or `result` as JSON) to result.json, as it is
 *   print           print `lines` to `stream` (stdout | stderr)
 *   sleep           wait `ms`
 *   ticks           print `count` lines "tick <i> at <epoch ms>", one every `ms` (a continuously printing run)
 *   exit            exit with `code` (default 0) now
 *   hang            print a line, then sleep forever (`ignoreTerm`: survive SIGTERM)
 *   silent-hang     sleep forever without a word
 *   spawn-grandchild  start a node process in the same group that holds stdout and sleeps
 *                   (`ignoreTerm`: survives SIGTERM); its pid goes to $FAKE_AGENT_PIDFILE; then
 *                   hang (unless `hang: false`)
 *   claude-stream   Claude Code stream-json: system/init (`sessionId`), assistant, result with
 *                   `summary`, usage and cost; no result.json
 *   usage-limit     Claude Code stream-json whose result says the usage limit is reached
 *                   (`text`, default "Claude AI usage limit reached|<resetAt>"), exit 1
 *   api-retry       `count` system/api_retry events with `status` (default 429), then hang
 *   codex-stream    Codex --json: thread.started (`sessionId`), agent_message (`summary`),
 *                   turn.completed with usage; `usageLimit: true` prints a usage-limit error and exits 1
 *   wait-file       create the file `touch` (when given), then wait until the file `path` exists
 *                   (`timeoutMs`, default 15 s, then exit 4)
 *   link-result     make result.json a symbolic link to `target`
 *   dump-env        write the environment as JSON to $FAKE_AGENT_ENVFILE, then result done
 *   print-secret    print a fake installation token (ghs_ + 36 characters), then result done
 *   resolve         (merge) for each file in merge.md's `conflicted_files`: write `files[path]` when
 *                   given, else keep both sides (ours, then theirs, without markers or the base);
 *                   then result done with `summary`
 *   verify          (CW_MODE=verify) verdict "pass" when every file of `requires` ({path: text}) is in
 *                   the worktree with that text, else "fail" with `findings` (default: one per file
 *                   missing); the summary names the files .cw/input/phase.diff touches
 *   discuss         asks `questions` one at a time (a questions result with the next one after the
 *                   id answered in answers.md); after the last, result done with `decisions`
 *                   (default: each answer) and `summary`
 *   summarize-context  result done whose summary quotes the summary of every task in
 *                   .cw/input/context/tasks/ ("#<n>: <summary>")
 *   list-input      result done whose summary says what the agent was given: "input: <every file
 *                   under $CW_INPUT_DIR, relative, sorted>", then the text of each file of `quote`
 *                   ("== <file> ==" and its content, or "(missing)"), after `summary` when given
 *
 * A review agent (CW_MODE=review) follows a ```fake-agent-review block of task.md or phase.md,
 * else writes an empty review. A task.md without a ```fake-agent block may carry its script on
 * one line, after `fake-agent-inline:` (how a fix task opened by the app is told what to do).
 *
 * $FAKE_AGENT_ARGVFILE, when set, receives the argument vector as JSON; $FAKE_AGENT_INPUT_LOG, when
 * set, one JSON line per run with the task id, the mode, the task.md it was given and all its
 * input's Markdown files (`files`: answers.md, context/tasks/<n>.md …).
 */
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";

export const FAKE_TOKEN = "ghs_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";

// Tests share files with their fake agents, and each run is another OS user (the runner's
// containment): what one run leaves, the next may replace.
process.umask(0);

const env = process.env;
const outputDir = env.CW_OUTPUT_DIR ?? path.resolve(".cw/output");
const inputDir = env.CW_INPUT_DIR ?? path.resolve(".cw/input");

if (env.FAKE_AGENT_ARGVFILE) writeFileSync(env.FAKE_AGENT_ARGVFILE, JSON.stringify(process.argv.slice(2)));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const forever = () => new Promise(() => setInterval(() => {}, 1 << 30));
const say = (line, stream = "stdout") => (stream === "stderr" ? process.stderr : process.stdout).write(`${line}\n`);
const event = (value) => say(JSON.stringify(value));

function writeResult(result) {
  mkdirSync(outputDir, { recursive: true });
  writeFileSync(path.join(outputDir, "result.json"), typeof result === "string" ? result : JSON.stringify(result));
}

function writeFiles(files = {}) {
  for (const [file, content] of Object.entries(files)) {
    const target = path.resolve(file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

function readScript() {
  const merging = env.CW_MODE === "merge";
  const reviewing = env.CW_MODE === "review";
  let text = merging ? env.FAKE_AGENT_MERGE_SCRIPT : reviewing ? undefined : env.FAKE_AGENT_SCRIPT;
  if (!text) {
    const read = (name) => (existsSync(path.join(inputDir, name)) ? readFileSync(path.join(inputDir, name), "utf8") : "");
    const fence = merging ? /```fake-agent-merge\s*\n([\s\S]*?)```/ : reviewing ? /```fake-agent-review\s*\n([\s\S]*?)```/ : /```fake-agent\s*\n([\s\S]*?)```/;
    const block = fence.exec(read("task.md")) ?? (reviewing ? fence.exec(read("phase.md")) : null);
    const inline = merging || reviewing ? null : /fake-agent-inline:\s*(\{.*\})\s*$/m.exec(read("task.md"));
    text =
      block?.[1]?.trim() ??
      inline?.[1] ??
      (merging ? '"resolve"' : reviewing ? '{"behavior":"write-result","result":{"status":"done","summary":"looks fine"}}' : '"edit"');
  }
  let script;
  try {
    script = JSON.parse(text);
  } catch {
    script = text.trim();
  }
  const steps = typeof script === "object" && script !== null && Array.isArray(script.steps) ? script.steps : [script];
  return steps.map((step) => (typeof step === "string" ? { behavior: step } : step));
}

/** answers.md as the runner writes it: front matter `answers: [{id, question, answer}]`. */
function readAnswers() {
  const file = path.join(inputDir, "answers.md");
  if (!existsSync(file)) return null;
  const text = readFileSync(file, "utf8");
  const match = /^---\n([\s\S]*?)\n---\n/.exec(text);
  const data = match ? parseYaml(match[1]) : null;
  return Array.isArray(data?.answers) ? data.answers : [];
}

/** merge.md as the runner writes it: its front matter. */
function readMerge() {
  const text = readFileSync(path.join(inputDir, "merge.md"), "utf8");
  const match = /^---\n([\s\S]*?)\n---\n/.exec(text);
  return match ? parseYaml(match[1]) : {};
}

/** A conflicted file with both sides kept: ours, then theirs; the markers and the base dropped. */
function bothSides(text) {
  const kept = [];
  let section = null; // null | "ours" | "base" | "theirs"
  for (const line of text.split("\n")) {
    if (line.startsWith("<<<<<<<")) section = "ours";
    else if (line.startsWith("|||||||") && section === "ours") section = "base";
    else if (line.startsWith("=======") && section !== null) section = "theirs";
    else if (line.startsWith(">>>>>>>") && section === "theirs") section = null;
    else if (section !== "base") kept.push(line);
  }
  return kept.join("\n");
}

async function run(step) {
  switch (step.behavior) {
    case "edit":
      writeFiles(step.files);
      writeResult({ status: "done", summary: step.summary ?? "edited the files" });
      return;
    case "done":
      writeResult({ status: "done", summary: step.summary ?? "done" });
      return;
    case "ask": {
      const answers = env.CW_RESUME === "1" ? readAnswers() : null;
      if (answers) {
        writeFiles(step.files);
        const quoted = answers.map((a) => `${a.id}: ${a.answer}`).join("; ");
        writeResult({ status: "done", summary: `${step.summary ?? "finished after the answers"} (${quoted})` });
        return;
      }
      writeResult({ status: "questions", questions: step.questions ?? [{ id: "q1", question: "Which database?" }] });
      return;
    }
    case "fail":
      writeResult({ status: "error", message: step.message ?? "the fake agent failed" });
      return;
    case "crash":
      say("about to crash", "stderr");
      process.exit(step.code ?? 3);
      return;
    case "write-result":
      writeResult(step.raw ?? step.result);
      return;
    case "print":
      for (const line of step.lines ?? []) say(line, step.stream);
      return;
    case "ticks":
      // A run that prints continuously: `count` lines, one every `ms`, each with its time.
      for (let i = 1; i <= (step.count ?? 10); i++) {
        say(`tick ${i} at ${Date.now()}`);
        await sleep(step.ms ?? 100);
      }
      return;
    case "sleep":
      await sleep(step.ms ?? 0);
      return;
    case "exit":
      process.exit(step.code ?? 0);
      return;
    case "hang":
      if (step.ignoreTerm) process.on("SIGTERM", () => say("ignoring SIGTERM"));
      say(step.line ?? "working…");
      await forever();
      return;
    case "silent-hang":
      await forever();
      return;
    case "spawn-grandchild": {
      // The grandchild says it is ready on fd 3 once its SIGTERM handler (if any) is in place.
      const code = [
        step.ignoreTerm ? "process.on('SIGTERM', () => {});" : "",
        "require('fs').writeSync(3, 'ready'); require('fs').closeSync(3);",
        "setInterval(() => {}, 1 << 30);",
      ].join(" ");
      const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "inherit", "inherit", "pipe"] });
      await new Promise((resolve) => child.stdio[3].once("data", resolve));
      child.stdio[3].destroy();
      if (env.FAKE_AGENT_PIDFILE) writeFileSync(env.FAKE_AGENT_PIDFILE, String(child.pid));
      say(`spawned grandchild ${child.pid}`);
      if (step.hang === false) child.unref();
      else await forever();
      return;
    }
    case "claude-stream": {
      const sessionId = step.sessionId ?? "fake-session-1";
      event({ type: "system", subtype: "init", session_id: sessionId, cwd: process.cwd(), tools: [], model: "fake" });
      event({ type: "assistant", session_id: sessionId, message: { role: "assistant", content: [{ type: "text", text: "Working on it." }] } });
      if (step.files) writeFiles(step.files);
      event({
        type: "result",
        subtype: "success",
        is_error: false,
        result: step.summary ?? "Implemented the task.",
        session_id: sessionId,
        num_turns: 3,
        total_cost_usd: step.costUsd ?? 0.0123,
        usage: { input_tokens: step.inputTokens ?? 1200, output_tokens: step.outputTokens ?? 345 },
      });
      return;
    }
    case "usage-limit": {
      const sessionId = step.sessionId ?? "fake-session-1";
      const resetAt = step.resetAt ?? Math.floor(Date.now() / 1000) + 3600;
      event({ type: "system", subtype: "init", session_id: sessionId });
      event({
        type: "result",
        subtype: "success",
        is_error: true,
        result: step.text ?? `Claude AI usage limit reached|${resetAt}`,
        session_id: sessionId,
        total_cost_usd: 0,
        usage: { input_tokens: 0, output_tokens: 0 },
      });
      process.exit(1);
      return;
    }
    case "api-retry": {
      event({ type: "system", subtype: "init", session_id: step.sessionId ?? "fake-session-1" });
      const status = step.status ?? 429;
      const error = status === 401 ? "authentication_failed" : status === 429 ? "rate_limit" : "server_error";
      for (let attempt = 1; attempt <= (step.count ?? 3); attempt++) {
        event({ type: "system", subtype: "api_retry", attempt, max_retries: 10, retry_delay_ms: 500, error_status: status, error });
        await sleep(step.ms ?? 20);
      }
      await forever();
      return;
    }
    case "codex-stream": {
      const threadId = step.sessionId ?? "fake-thread-1";
      event({ type: "thread.started", thread_id: threadId });
      event({ type: "turn.started" });
      if (step.usageLimit) {
        const message = step.text ?? "You've hit your usage limit. Try again in 2 hours 30 minutes.";
        event({ type: "error", message });
        event({ type: "turn.failed", error: { message } });
        process.exit(1);
      }
      if (step.files) writeFiles(step.files);
      event({ type: "item.completed", item: { id: "item_0", type: "agent_message", text: step.summary ?? "Implemented the task." } });
      event({ type: "turn.completed", usage: { input_tokens: 900, cached_input_tokens: 100, output_tokens: 200 } });
      return;
    }
    case "wait-file": {
      // Holds the run until the test creates `path` (absolute): lets a test act while it runs.
      // `touch`, when given, is created first, to tell the test the run has got this far.
      if (step.touch) writeFileSync(step.touch, "");
      const deadline = Date.now() + (step.timeoutMs ?? 15_000);
      while (!existsSync(step.path)) {
        if (Date.now() > deadline) {
          say(`fake agent: ${step.path} never appeared`, "stderr");
          process.exit(4);
        }
        await sleep(25);
      }
      return;
    }
    case "link-result":
      // result.json as a link to `target` (a file the agent cannot read, but the runner could).
      mkdirSync(outputDir, { recursive: true });
      symlinkSync(step.target, path.join(outputDir, "result.json"));
      return;
    case "dump-env":
      writeFileSync(env.FAKE_AGENT_ENVFILE, JSON.stringify(process.env));
      writeResult({ status: "done", summary: "dumped the environment" });
      return;
    case "print-secret":
      say(`using token ${FAKE_TOKEN} to push`);
      say(`remote: https://x-access-token:${FAKE_TOKEN}@github.com/o/r.git`, "stderr");
      writeResult({ status: "done", summary: "printed a secret" });
      return;
    case "resolve": {
      const files = readMerge().conflicted_files ?? [];
      for (const file of files) {
        const content = step.files?.[file] ?? bothSides(readFileSync(path.resolve(file), "utf8"));
        writeFileSync(path.resolve(file), content);
      }
      say(`resolved ${files.join(", ")}`);
      writeResult({ status: "done", summary: step.summary ?? `kept both sides in ${files.join(", ")}` });
      return;
    }
    case "verify": {
      const missing = Object.entries(step.requires ?? {}).filter(
        ([file, text]) => !existsSync(path.resolve(file)) || !readFileSync(path.resolve(file), "utf8").includes(text),
      );
      const diffFile = path.join(inputDir, "phase.diff");
      const touched = existsSync(diffFile) ? [...readFileSync(diffFile, "utf8").matchAll(/^\+\+\+ b\/(.+)$/gm)].map((m) => m[1]) : [];
      const summary = `phase.diff touches: ${touched.join(", ") || "(no phase.diff)"}`;
      if (missing.length === 0) writeResult({ status: "done", verdict: "pass", findings: [], summary });
      else writeResult({ status: "done", verdict: "fail", findings: step.findings ?? missing.map(([file]) => ({ message: "missing", path: file })), summary });
      return;
    }
    case "discuss": {
      const questions = step.questions ?? [{ id: "q1", question: "Which way?" }];
      const answers = env.CW_RESUME === "1" ? (readAnswers() ?? []) : [];
      const last = answers.at(-1);
      const next = last ? questions.findIndex((q) => q.id === last.id) + 1 : 0;
      if (next < questions.length) {
        writeResult({ status: "questions", questions: [questions[next]] });
        return;
      }
      writeResult({ status: "done", decisions: step.decisions ?? answers.map((a) => `${a.question}: ${a.answer.trim()}`), summary: step.summary ?? "settled" });
      return;
    }
    case "summarize-context": {
      const dir = path.join(inputDir, "context", "tasks");
      const files = existsSync(dir) ? readdirSync(dir) : [];
      const parts = files.map((f) => {
        const match = /^---\n([\s\S]*?)\n---\n/.exec(readFileSync(path.join(dir, f), "utf8"));
        const data = match ? parseYaml(match[1]) : {};
        return `#${data.issue_number}: ${data.summary ?? "(none)"}`;
      });
      writeResult({ status: "done", summary: `context: ${parts.join(" | ")}` });
      return;
    }
    case "list-input": {
      const files = [];
      const walk = (dir) => {
        for (const e of readdirSync(path.join(inputDir, dir), { withFileTypes: true })) {
          const rel = dir ? `${dir}/${e.name}` : e.name;
          if (e.isDirectory()) walk(rel);
          else files.push(rel);
        }
      };
      walk("");
      const quoted = (step.quote ?? []).map(
        (f) => `== ${f} ==\n${existsSync(path.join(inputDir, f)) ? readFileSync(path.join(inputDir, f), "utf8") : "(missing)"}`,
      );
      const said = [...(step.summary ? [step.summary] : []), `input: ${files.sort().join(", ")}`, ...quoted];
      writeResult({ status: "done", summary: said.join("\n\n") });
      return;
    }
    default:
      say(`fake agent: unknown behavior ${JSON.stringify(step.behavior)}`, "stderr");
      process.exit(2);
  }
}

// $FAKE_AGENT_INPUT_LOG, when set, receives one JSON line per run: the task id, the mode, the
// task.md the agent was given, and every Markdown file of its input (path in $CW_INPUT_DIR → text).
if (env.FAKE_AGENT_INPUT_LOG) {
  const files = {};
  const collect = (dir, prefix) => {
    for (const entry of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
      if (entry.isDirectory()) collect(path.join(dir, entry.name), `${prefix}${entry.name}/`);
      else if (entry.isFile() && entry.name.endsWith(".md")) files[`${prefix}${entry.name}`] = readFileSync(path.join(dir, entry.name), "utf8");
    }
  };
  collect(inputDir, "");
  const line = { taskId: env.CW_TASK_ID, mode: env.CW_MODE, taskMd: files["task.md"] ?? null, files };
  appendFileSync(env.FAKE_AGENT_INPUT_LOG, `${JSON.stringify(line)}\n`);
}

for (const step of readScript()) await run(step);
