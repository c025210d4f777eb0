/**
 * Runs one git command. Every workspace operation goes through here, so this is where the
 * environment is made predictable (no ambient GIT_* variables, C locale for parseable messages,
 * no prompts, no hooks) and where failures become a `GitError` with the token scrubbed.
 */
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { createRedactor } from "../../lib/redact.js";
import { registeredWorktree } from "./worktree-registry.js";

export interface GitCommand {
  /** The directory git runs in (a mirror or a worktree). */
  cwd: string;
  args: readonly string[];
  /** `-c` arguments that carry a secret (see `gitAuthArgs`): given to git in its environment (`configEnv`). */
  auth?: readonly string[];
  /** Secret values to scrub from the error: the token and its encodings. */
  secrets?: readonly string[];
  env?: Readonly<Record<string, string>>;
  input?: string;
  /** Exit codes that are answers rather than failures (`diff --quiet`, `merge-tree`). */
  allowExitCodes?: readonly number[];
  /** Retry briefly when another process holds one of git's lock files (a racing fetch). */
  retryOnLock?: boolean;
  timeoutMs?: number;
}

export interface GitOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A failed git command: the command line and the end of stderr, with secrets scrubbed. */
export class GitError extends Error {
  override readonly name = "GitError";
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly stderrTail: string,
    detail?: string,
  ) {
    super(`${command} failed${exitCode === undefined ? "" : ` (exit ${exitCode})`}: ${detail ?? (stderrTail || "no output")}`);
  }
}

/**
 * Settings for every command, over the (trusted) mirror's config: no hooks, no fsmonitor (both
 * run commands), no submodule recursion (a submodule's own config would apply), no `ext::`
 * transport. The system and global config files are not read at all (GIT_CONFIG_NOSYSTEM,
 * GIT_CONFIG_GLOBAL): only what the runner itself wrote counts.
 */
const BASE_ARGS = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "submodule.recurse=false",
  "-c",
  "diff.ignoreSubmodules=all",
  "-c",
  "protocol.ext.allow=never",
];

const LOCK_CONTENTION = /\.lock': File exists|cannot lock ref|Unable to create '[^']*\.lock'|could not lock config file/i;
const LOCK_RETRY_DELAYS_MS = [50, 100, 200, 400, 800];
const STDERR_TAIL_LINES = 20;

let baseEnv: Record<string, string> | undefined;

/** The process environment without GIT_* (a hook's GIT_DIR would redirect every command). */
function gitEnv(): Record<string, string> {
  if (!baseEnv) {
    baseEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value === undefined || key.startsWith("GIT_") || key === "SSH_ASKPASS") continue;
      baseEnv[key] = value;
    }
    Object.assign(baseEnv, {
      LC_ALL: "C",
      LANGUAGE: "C",
      GIT_TERMINAL_PROMPT: "0",
      GCM_INTERACTIVE: "never",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
    });
  }
  return baseEnv;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./^~-]+$/.test(arg) ? arg : JSON.stringify(arg);
}

function tail(text: string): string {
  const lines = text.trimEnd().split("\n");
  return lines.slice(-STDERR_TAIL_LINES).join("\n");
}

/** Scrubs known secrets, token shapes and credentials in URLs (`https://user:pass@host`). */
export function scrubber(secrets: readonly string[]): (text: string) => string {
  const redact = createRedactor(secrets);
  return (text) => redact(text).replace(/(\/\/)[^/@\s'"]+@/g, "$1[redacted]@");
}

/**
 * The repository a command works on, never discovered: a registered worktree's own git directory
 * (the agent may have replaced its `.git`), else `cwd` itself, a bare mirror. `init` makes one.
 */
function repositoryEnv(command: GitCommand): Record<string, string> {
  if (command.args[0] === "init") return {};
  const worktree = registeredWorktree(command.cwd);
  return worktree ? { GIT_DIR: worktree.gitDir, GIT_WORK_TREE: path.resolve(command.cwd) } : { GIT_DIR: path.resolve(command.cwd) };
}

/**
 * `-c key=value` pairs given to git in its environment (GIT_CONFIG_COUNT, GIT_CONFIG_KEY_<n>,
 * GIT_CONFIG_VALUE_<n>: git >= 2.31), not on its command line: a command line is readable by
 * every user of the host (/proc/<pid>/cmdline), an environment only by the process's own user.
 * Agents that have no PID namespace of their own (containment's sudo and setpriv modes) would
 * otherwise read the installation token off any fetch or push the runner makes meanwhile.
 */
export function configEnv(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  let count = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    const setting = pairs[i + 1] ?? "";
    const eq = setting.indexOf("=");
    if (pairs[i] !== "-c" || eq <= 0) throw new Error("git's secret settings must be -c key=value pairs");
    env[`GIT_CONFIG_KEY_${count}`] = setting.slice(0, eq);
    env[`GIT_CONFIG_VALUE_${count}`] = setting.slice(eq + 1);
    count++;
  }
  if (count > 0) env.GIT_CONFIG_COUNT = String(count);
  return env;
}

/** The command line and environment git is run with. */
export function gitInvocation(command: GitCommand): { argv: string[]; env: Record<string, string> } {
  return {
    argv: [...BASE_ARGS, ...command.args],
    env: { ...gitEnv(), ...command.env, ...repositoryEnv(command), ...configEnv(command.auth ?? []) },
  };
}

export async function runGit(command: GitCommand): Promise<GitOutput> {
  const { argv, env } = gitInvocation(command);
  for (let attempt = 0; ; attempt++) {
    const result = await execa("git", argv, {
      cwd: command.cwd,
      env,
      extendEnv: false,
      reject: false,
      stripFinalNewline: false,
      ...(command.input !== undefined ? { input: command.input } : { stdin: "ignore" as const }),
      ...(command.timeoutMs ? { timeout: command.timeoutMs } : {}),
    });
    const exitCode = result.exitCode;
    if (exitCode === 0 || (exitCode !== undefined && command.allowExitCodes?.includes(exitCode))) {
      return { stdout: result.stdout, stderr: result.stderr, exitCode };
    }
    const delay = LOCK_RETRY_DELAYS_MS[attempt];
    if (command.retryOnLock && delay !== undefined && LOCK_CONTENTION.test(result.stderr)) {
      await sleep(delay + Math.floor(Math.random() * delay));
      continue;
    }
    const detail = exitCode === undefined ? (result.timedOut ? "timed out" : result.originalMessage) : undefined;
    throw gitFailure(command, { stdout: result.stdout, stderr: result.stderr, exitCode }, detail);
  }
}

/** The error for a command whose outcome the caller judged a failure; secrets scrubbed. */
export function gitFailure(command: GitCommand, output: Partial<GitOutput>, detail?: string): GitError {
  const scrub = scrubber(command.secrets ?? []);
  const shown = `git ${[...(command.auth ?? []), ...command.args].map(quote).join(" ")}`;
  return new GitError(scrub(shown), output.exitCode, scrub(tail(output.stderr ?? "")), detail && scrub(detail));
}

/** Runs git and returns stdout without its final newline. */
export async function gitText(command: GitCommand): Promise<string> {
  const { stdout } = await runGit(command);
  return stdout.replace(/\n$/, "");
}
