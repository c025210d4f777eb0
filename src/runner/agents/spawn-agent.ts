/**
 * Runs one agent process: in its worktree, with a scrubbed environment, in a process group of
 * its own (`detached: true`). Output streams line by line through the redactor to the caller.
 *
 * Whatever ends the run (stop, timeout, no output for too long, the adapter, or the agent's own
 * exit) the whole process GROUP is then signalled: SIGTERM, and SIGKILL after a short grace.
 * Killing only the agent would leave its grandchildren alive and holding stdout, and the wait
 * for the streams to close would never end (STACK.md, "execa 9").
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";
import { execa } from "execa";
import { createLineRedactor } from "../../lib/redact.js";
import { buildAgentEnv } from "./agent-env.js";
import { LogTail } from "./log-tail.js";
import { terminateGroup } from "./process-group.js";
import type { AgentRunRequest } from "./types.js";

/** How the process came to an end: by itself, or killed by one of the watchdogs. */
export type AgentProcessEnd = "exited" | "timeout" | "stalled" | "stopped" | "ended_by_adapter";

export interface AgentProcessResult {
  end: AgentProcessEnd;
  exitCode: number | null;
  signal: string | null;
  /** The last ~40 output lines, redacted. */
  logTail: string;
  /** Set when the process could not be started at all (a missing binary). */
  startError?: string;
}

/** Lets an adapter end the run early (an exhausted account that would only be retried). */
export interface AgentProcessControl {
  end(): void;
}

export interface SpawnAgentOptions {
  file: string;
  args: readonly string[];
  request: AgentRunRequest;
  /** Each raw stdout line, before redaction: for adapters that parse the agent's event stream. */
  onStdoutLine?(line: string, control: AgentProcessControl): void;
  /** Between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /** The agent's whole environment, from `buildAgentEnv`: built here when the adapter did not build it already. */
  env?: Record<string, string>;
}

const DEFAULT_KILL_GRACE_MS = 2_000;
/** A "line" longer than this is passed on in pieces rather than held in memory. */
const MAX_LINE_CHARS = 1_000_000;

export async function spawnAgent(options: SpawnAgentOptions): Promise<AgentProcessResult> {
  const { request: req } = options;
  const grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const tail = new LogTail();
  if (req.signal?.aborted) return { end: "stopped", exitCode: null, signal: null, logTail: "" };

  const env = options.env ?? buildAgentEnv(req);
  if (req.sandbox && !(await findExecutable(options.file, env.PATH))) {
    // Inside the sandbox a missing binary would only be setpriv's exit 127: say it plainly.
    return { end: "exited", exitCode: null, signal: null, logTail: "", startError: `${options.file} was not found on PATH (${env.PATH ?? "unset"})` };
  }
  const command = req.sandbox ? req.sandbox.wrap(options.file, options.args, env) : { file: options.file, args: [...options.args], env };
  const subprocess = execa(command.file, command.args, {
    cwd: req.worktree,
    env: command.env,
    extendEnv: false,
    detached: true,
    cleanup: false,
    ...(command.input !== undefined ? { input: command.input } : { stdin: "ignore" as const }),
    stdout: "pipe",
    stderr: "pipe",
    buffer: false,
    reject: false,
  });
  const pid = subprocess.pid;

  let end: AgentProcessEnd = "exited";
  let exited = false;
  let killing: Promise<void> | undefined;

  /** Signals the whole group once; resolves when it is empty or SIGKILL has been sent. */
  const killGroup = (): Promise<void> => {
    killing ??= (async () => {
      if (pid === undefined) return;
      await terminateGroup(pid, grace);
      // A process that left the group (setsid) could still hold our pipes: stop waiting for them.
      setTimeout(() => {
        subprocess.stdout?.destroy();
        subprocess.stderr?.destroy();
      }, grace).unref();
    })();
    return killing;
  };
  const terminate = (reason: AgentProcessEnd): void => {
    if (exited || killing) return;
    end = reason;
    void killGroup();
  };
  const control: AgentProcessControl = { end: () => terminate("ended_by_adapter") };

  const timeoutTimer = watchdog(req.timeoutSeconds, () => terminate("timeout"));
  const idleTimer = watchdog(req.idleSeconds, () => terminate("stalled"));
  const onAbort = (): void => terminate("stopped");
  req.signal?.addEventListener("abort", onAbort, { once: true });
  // The agent is done; anything it left running in its group goes with it.
  subprocess.once("exit", () => {
    exited = true;
    void killGroup();
  });

  const deliver = (lines: string[], stdout: boolean, redactLine: (line: string) => string): void => {
    if (lines.length === 0) return;
    if (stdout && options.onStdoutLine) {
      for (const line of lines) {
        try {
          options.onStdoutLine(line, control);
        } catch {
          // A parser bug must not take the run down; the line still reaches the log.
        }
      }
    }
    const redacted = lines.map(redactLine);
    tail.push(redacted);
    try {
      req.onOutput(redacted);
    } catch {
      // The caller's sink failing must not kill the stream reader.
    }
  };
  const readLines = (stream: Readable | null | undefined, stdout: boolean): void => {
    if (!stream) return;
    const decoder = new StringDecoder("utf8");
    const redactLine = createLineRedactor(req.redact);
    let rest = "";
    stream.on("data", (chunk: Buffer) => {
      idleTimer?.refresh();
      rest += decoder.write(chunk);
      const lines = rest.split("\n");
      rest = lines.pop() ?? "";
      if (rest.length > MAX_LINE_CHARS) {
        lines.push(rest);
        rest = "";
      }
      deliver(lines.map(withoutCarriageReturn), stdout, redactLine);
    });
    stream.once("end", () => {
      rest += decoder.end();
      if (rest) deliver([withoutCarriageReturn(rest)], stdout, redactLine);
      rest = "";
    });
  };
  readLines(subprocess.stdout, true);
  readLines(subprocess.stderr, false);

  if (pid !== undefined) {
    try {
      req.onSpawn?.(pid);
    } catch {
      // Recording the pid is the caller's business.
    }
  }

  const result = await subprocess;
  clearTimeout(timeoutTimer);
  clearTimeout(idleTimer);
  req.signal?.removeEventListener("abort", onAbort);
  await killGroup();
  // Whatever the agent's user still runs (a daemon it started in a session of its own) goes too,
  // before anyone reads what it left.
  await req.sandbox?.reap();

  if (pid === undefined || (result.failed && result.exitCode === undefined && result.signal === undefined && !exited)) {
    return {
      end: "exited",
      exitCode: null,
      signal: null,
      logTail: tail.text(),
      startError: req.redact(result.shortMessage ?? `could not start ${options.file}`),
    };
  }
  return { end, exitCode: result.exitCode ?? null, signal: result.signal ?? null, logTail: tail.text() };
}

/** Whether `file` names an executable, directly or through `PATH`, as execvp would find it. */
export async function findExecutable(file: string, searchPath: string | undefined): Promise<string | undefined> {
  const candidates = file.includes("/")
    ? [path.resolve(file)]
    : (searchPath ?? "")
        .split(":")
        .filter(Boolean)
        .map((dir) => path.join(dir, file));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A timer for a limit in seconds; none for 0 or less. Capped at what setTimeout can hold (~24 days). */
function watchdog(limitSeconds: number, fire: () => void): NodeJS.Timeout | undefined {
  if (!(limitSeconds > 0)) return undefined;
  return setTimeout(fire, Math.min(limitSeconds * 1_000, 2 ** 31 - 1));
}

function withoutCarriageReturn(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
