/**
 * The whole app as an operator runs it (`npm start`: `node --import tsx src/main.ts start`), in a
 * child process of the test with exactly the environment given (plus PATH and HOME). It listens on
 * a port of its own choosing (PORT=0), read from its log line, so tests need no port guessing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitFor } from "./processes.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const LISTENING = /Codewalkers is listening on port (\d+)/;

export interface AppProcess {
  /** The port its webhook endpoint listens on, once it is healthy. */
  port: number;
  /** Everything it printed so far. */
  output(): string;
  /** `waitFor(condition, ms)`, whose timeout error ends with what the app printed last. */
  until(condition: () => boolean | Promise<boolean>, ms: number): Promise<void>;
  /** Sends `signal` and resolves once the process is gone, with its exit code or signal. */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `codewalkers start` and resolves once /healthz answers 200. */
export async function startAppProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<AppProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "start"], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", LOG_LEVEL: "info", ...env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString("utf8");
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));

  let port = 0;
  await waitFor(async () => {
    if (gone) throw new Error(`the app exited before it was healthy:\n${output}`);
    port ||= Number(LISTENING.exec(output)?.[1] ?? 0);
    if (!port) return false;
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    return res?.status === 200;
  }, timeoutMs);

  return {
    port,
    output: () => output,
    until: (condition, ms) =>
      waitFor(condition, ms).catch((error: unknown) => {
        throw new Error(`${String(error)}; the app's output ends with:\n${output.slice(-20_000)}`);
      }),
    kill(signal) {
      if (!gone) child.kill(signal);
      return exited;
    },
  };
}
