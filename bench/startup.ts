/**
 * Start-up time: from spawning the app to the first 200 from /healthz, on embedded PGlite
 * (no DATABASE_URL). The first start creates the data dir (initdb and migrations); the measured
 * starts reopen it. Measured as `node --import tsx src/main.ts start` (what `npm start` runs,
 * without npm and the tsx CLI around it) and as `npm start` itself. Target: ≤ 3 s.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { execa, type ResultPromise } from "execa";
import { TEST_APP_ID, TEST_WEBHOOK_SECRET } from "../test/support/github-app.js";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const PRIVATE_KEY = readFileSync(path.join(REPO_ROOT, "test/fixtures/test-app-key.pem"), "utf8");
const MEASURED_STARTS = 3;
const READY_TIMEOUT_MS = 60_000;
const TARGET_SECONDS = 3;

type Launcher = "node" | "npm";

/** Starts whose process group ignored SIGTERM for 10 s and had to be killed. */
let forcedKills = 0;

export async function benchStartup(): Promise<Record<string, number | string>> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "cw-bench-startup-"));
  forcedKills = 0;
  try {
    const fresh = await timeStart("node", dataDir);
    const viaNode: number[] = [];
    for (let i = 0; i < MEASURED_STARTS; i++) viaNode.push(await timeStart("node", dataDir));
    const viaNpm: number[] = [];
    for (let i = 0; i < MEASURED_STARTS; i++) viaNpm.push(await timeStart("npm", dataDir));

    const nodeMedian = median(viaNode);
    const npmMedian = median(viaNpm);
    const worst = Math.max(nodeMedian, npmMedian);
    return {
      "startup.database": "PGlite (CW_DATA_DIR in a temp dir)",
      "startup.fresh.s": seconds(fresh),
      "startup.node.each.s": viaNode.map(seconds).join(", "),
      "startup.node.median.s": seconds(nodeMedian),
      "startup.npm.each.s": viaNpm.map(seconds).join(", "),
      "startup.npm.median.s": seconds(npmMedian),
      "startup.forcedKills": forcedKills,
      "startup.target":
        worst <= TARGET_SECONDS * 1000 ? `met (≤ ${TARGET_SECONDS} s on an existing data dir)` : `MISSED: median ${seconds(worst)} s > ${TARGET_SECONDS} s`,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Starts the app, waits for /healthz to answer 200, stops it; returns the time to ready in ms. */
async function timeStart(launcher: Launcher, dataDir: string): Promise<number> {
  const port = await freePort();
  const env = appEnvironment(dataDir, port);
  const [file, args] =
    launcher === "npm" ? (["npm", ["start", "--silent"]] as const) : ([process.execPath, ["--import", "tsx", "src/main.ts", "start"]] as const);

  const started = performance.now();
  const child = execa(file, args, {
    cwd: REPO_ROOT,
    env,
    extendEnv: false,
    detached: true,
    reject: false,
    stdin: "ignore",
    all: true,
    buffer: true,
  });
  let exited = false;
  void child.finally(() => (exited = true));
  try {
    for (;;) {
      if (exited) {
        const result = await child;
        throw new Error(`the app exited before /healthz answered (${launcher}, exit ${result.exitCode}):\n${result.all}`);
      }
      if ((await healthStatus(port)) === 200) return performance.now() - started;
      if (performance.now() - started > READY_TIMEOUT_MS) {
        throw new Error(`/healthz did not answer 200 within ${READY_TIMEOUT_MS / 1000} s (${launcher})`);
      }
      await sleep(10);
    }
  } finally {
    await stopGroup(child);
  }
}

/**
 * Only what the app needs: the test App's credentials, PGlite in `dataDir`, quiet logs. The app
 * reads `./.env` without overriding what is set: the settings that would take it off PGlite or
 * off loopback (a developer's DATABASE_URL, smee proxy, GHE host, key file) are set empty, which
 * the config reads as unset.
 */
function appEnvironment(dataDir: string, port: number): Record<string, string> {
  const env: Record<string, string> = {
    DATABASE_URL: "",
    WEBHOOK_PROXY_URL: "",
    GHE_HOST: "",
    PRIVATE_KEY_PATH: "",
    NODE_ENV: "",
    APP_ID: String(TEST_APP_ID),
    PRIVATE_KEY,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    CW_DATA_DIR: dataDir,
    CW_WORKDIR: path.join(dataDir, "work"),
    CW_AGENT: "command",
    CW_AGENT_COMMAND: "true",
  };
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** SIGTERM to the whole process group (npm → sh → tsx → node), SIGKILL if it lingers. */
async function stopGroup(child: ResultPromise): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  signalGroup(pid, "SIGTERM");
  const deadline = performance.now() + 10_000;
  await Promise.race([child, sleep(10_000)]);
  // npm may exit before its children: wait for the whole group, so PGlite closes its data dir.
  while (groupAlive(pid) && performance.now() < deadline) await sleep(20);
  if (groupAlive(pid)) {
    forcedKills++;
    signalGroup(pid, "SIGKILL");
  }
  await child;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function healthStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/healthz", agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return ((sorted[Math.floor(mid - 0.5)] as number) + (sorted[Math.floor(mid)] as number)) / 2;
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  console.log(JSON.stringify(await benchStartup(), null, 2));
}
