/**
 * The runner, on PostgreSQL with the whole app booted, the fake GitHub, real git on local bare
 * repositories and an instant agent (the `command` adapter running one shell line that writes a
 * file and its result):
 *
 * 1. Orchestration overhead per task on a repository of 5,000 files: claim → worktree, context
 *    files, agent, commit, push, merge, push, bookkeeping, worktree removal — against the same
 *    work done with bare git commands. Target: ≤ 1.5 × the bare git time.
 * 2. Dispatch latency from a dependency's completion (its agent's finished_at, written by the
 *    finishing transaction) to its dependent's spawn — the agent process's own start, which it
 *    writes into its file (`date +%s%N`) — along a chain of 30 tasks with the dispatcher started
 *    for real (LISTEN/NOTIFY). Also shown: to the claim (the next agent row's started_at, made
 *    before the branches, the worktree and the context files). Target: p50 ≤ 100 ms.
 * 3. 200 tasks in a DAG, CW_MAX_AGENTS=8: wall time, tasks completed, and the process's peak RSS
 *    (sampled every 100 ms; the whole process: app, runner, and the fake GitHub).
 *
 * The app's warnings and errors are counted, not printed (`*.appLog`). The machine's load average
 * is shown with each measurement: on a busy machine git and the database slow down together.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { FakeGitHub } from "../test/support/fake-github/index.js";
import { cleanupGitFixtures, createBareRemote, filesAt, makeTempDir, readFileAt, type BareRemote } from "../test/support/git-fixtures.js";
import { postDelivery } from "../test/support/github-app.js";
import { WRITER } from "../test/support/payloads.js";
import { bootBenchApp, loadAverage, localNetworkOnly, median, percentileOf, seededRandom, waitUntil, type BenchApp } from "./support/bench-app.js";
import { round } from "./support/load.js";

type Figures = Record<string, number | string>;

/** The instant agent: one file, one result. */
const AGENT_COMMAND =
  `echo x > f-$CW_TASK_ID.txt && mkdir -p "$CW_OUTPUT_DIR" && ` + `printf '{"status":"done","summary":"ok"}' > "$CW_OUTPUT_DIR/result.json"`;

const STATUS = /^cw:(pending-approval|blocked|ready|in-progress|needs-input|in-review|done|failed)$/;

export async function benchRunner(): Promise<Figures> {
  const restoreNet = localNetworkOnly();
  try {
    const overhead = await orchestrationOverhead();
    const latency = await dispatchLatency();
    const dag = await bigDag();
    return { ...overhead, ...latency, ...dag };
  } finally {
    restoreNet();
    await cleanupGitFixtures();
  }
}

/** The same agent, writing the time it started (ns since the epoch, the system clock) into its file. */
const TIMED_AGENT_COMMAND =
  `date +%s%N > f-$CW_TASK_ID.txt && mkdir -p "$CW_OUTPUT_DIR" && ` + `printf '{"status":"done","summary":"ok"}' > "$CW_OUTPUT_DIR/result.json"`;

async function bootRunnerApp(scratch: string, maxAgents: number, outbox: "app" | "unpaced", agentCommand = AGENT_COMMAND): Promise<BenchApp> {
  // Agents run contained, as `npm start` runs them: as users of their own, who must pass through.
  await chmod(scratch, 0o711);
  return bootBenchApp({
    config: { workDir: path.join(scratch, "work"), agent: "command", agentCommand, maxAgents },
    runner: { heartbeatMs: 1_000, timeoutSeconds: 60, idleSeconds: 30 },
    outbox,
    maxConnections: 20,
  });
}

async function taskCounts(booted: BenchApp): Promise<Record<string, number>> {
  const rows = await booted.database.rows<{ status: string; n: number }>(`select status::text as status, count(*)::int as n from tasks group by 1`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

const describeCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort()
    .map(([s, n]) => `${s}=${n}`)
    .join(", ") || "none";

// ------------------------------------------------------------------------------------------
// 1. Orchestration overhead against bare git
// ------------------------------------------------------------------------------------------

const REPO_FILES = 5_000;
const MEASURED_TASKS = 7;
const OVERHEAD_TARGET = 1.5;

function manyFiles(count: number): Record<string, string> {
  const files: Record<string, string> = { "README.md": "# A repository of many small files\n" };
  for (let i = 0; i < count - 1; i++) files[`src/m${String(i % 50).padStart(2, "0")}/f${i}.txt`] = `file ${i}\nsome content ${i * 7}\n`;
  return files;
}

export async function orchestrationOverhead(): Promise<Figures> {
  const scratch = await makeTempDir("cw-bench-runner-");
  const files = manyFiles(REPO_FILES);
  const remote = await createBareRemote({ files });
  const bare = await prepareBareGit(scratch, files);
  const booted = await bootRunnerApp(scratch, 1, "unpaced");
  const fake = new FakeGitHub({ repositories: [{ cloneUrl: remote.path }] });
  const app: number[] = [];
  const bareTimes: number[] = [];
  let warmApp = 0;
  let warmBare = 0;
  let labelsOk = "no";
  let completed = 0;
  let onBranch = 0;
  let agentSpans: number[] = [];
  let appLog = "";
  let load = 0;
  try {
    await booted.install(fake);
    const m = fake.createMilestone({ title: "Overhead" });
    const issues: number[] = [];
    for (let k = 0; k <= MEASURED_TASKS; k++) issues.push(fake.openIssue({ title: `Task ${k}`, milestone: m, labels: ["cw:run"] }, WRITER));
    await booted.converge(fake);

    load = loadAverage();
    // One task at a time — claim, run, finish, worktree removed — each followed by the same
    // work by hand, so both see the same machine. The first of each clones the mirror and
    // creates the target branch: a warm-up, reported apart.
    for (let k = 0; k <= MEASURED_TASKS; k++) {
      const t0 = performance.now();
      const started = await booted.app.dispatcher.dispatchOnce();
      if (started !== 1) throw new Error(`dispatchOnce started ${started} runs, expected 1`);
      await booted.app.dispatcher.idle();
      const ms = performance.now() - t0;
      const bareMs = await bare.task(k);
      if (k === 0) {
        warmApp = ms;
        warmBare = bareMs;
      } else {
        app.push(ms);
        bareTimes.push(bareMs);
      }
    }
    const spans = await booted.database.rows<{ ms: number }>(
      `select extract(epoch from (finished_at - started_at)) * 1000 as ms from agents order by started_at offset 1`,
    );
    agentSpans = spans.map((s) => Number(s.ms));
    completed = (await taskCounts(booted)).completed ?? 0;
    onBranch = (await filesAt(remote, "cw/overhead")).filter((f) => /^f-.*\.txt$/.test(f)).length;
    // The label writes the runs recorded, performed; then every issue says done.
    await booted.converge(fake);
    labelsOk = issues.every(
      (n) =>
        fake
          .labelsOf(n)
          .filter((l) => STATUS.test(l))
          .join() === "cw:done",
    )
      ? "yes"
      : "no";
    appLog = booted.logSummary();
  } finally {
    fake.dispose();
    await booted.close();
  }

  const appMedian = median(app);
  const bareMedian = median(bareTimes);
  const ratio = appMedian / bareMedian;
  return {
    "runner.overhead.repoFiles": REPO_FILES,
    "runner.overhead.tasks": `${MEASURED_TASKS} measured, one at a time, app and bare git alternating (after 1 warm-up each)`,
    "runner.overhead.loadavg1": load,
    "runner.overhead.app.warmup.ms": round(warmApp, 0),
    "runner.overhead.app.each.ms": app.map((t) => Math.round(t)).join(", "),
    "runner.overhead.app.median.ms": round(appMedian, 1),
    "runner.overhead.app.agentRow.median.ms": round(median(agentSpans), 1),
    "runner.overhead.app.completed": completed,
    "runner.overhead.app.filesOnInitiativeBranch": onBranch,
    "runner.overhead.app.labelsDone": labelsOk,
    "runner.overhead.bare.steps": BARE_STEPS,
    "runner.overhead.bare.warmup.ms": round(warmBare, 0),
    "runner.overhead.bare.each.ms": bareTimes.map((t) => Math.round(t)).join(", "),
    "runner.overhead.bare.median.ms": round(bareMedian, 1),
    "runner.overhead.bare.filesOnTarget": await bare.filesOnTarget(),
    "runner.overhead.appLog": appLog,
    "runner.overhead.ratio": round(ratio, 2),
    "runner.overhead.target": ratio <= OVERHEAD_TARGET ? `met (≤ ${OVERHEAD_TARGET} × bare git)` : `MISSED: ${round(ratio, 2)} × bare git > ${OVERHEAD_TARGET}`,
  };
}

const BARE_STEPS = "fetch, worktree add, agent (sh -c), add, commit, push branch, merge-tree, commit-tree, push target, worktree remove";

/**
 * The same work by hand, on a remote of its own: a mirror fetched from the remote, a worktree
 * from it, the agent's shell line, add + commit, push of the task branch, merge-tree +
 * commit-tree into the target, push of the target, worktree removal. Git runs with the runner's
 * settings (no hooks, no fsmonitor, C locale, no ambient GIT_* variables).
 */
async function prepareBareGit(scratch: string, files: Record<string, string>): Promise<{ task(k: number): Promise<number>; filesOnTarget(): Promise<number> }> {
  const remote: BareRemote = await createBareRemote({ files, dir: await makeTempDir("cw-bench-bare-") });
  const mirror = path.join(scratch, "bare-mirror.git");
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("GIT_")) env[k] = v;
  Object.assign(env, {
    LC_ALL: "C",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: "Codewalkers",
    GIT_AUTHOR_EMAIL: "codewalkers@users.noreply.github.com",
    GIT_COMMITTER_NAME: "Codewalkers",
    GIT_COMMITTER_EMAIL: "codewalkers@users.noreply.github.com",
  });
  const git = async (cwd: string, args: string[]) =>
    (
      await execa("git", ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", ...args], {
        cwd,
        env,
        extendEnv: false,
        stdin: "ignore",
      })
    ).stdout.trim();
  const fetch = () => git(mirror, ["fetch", "--prune", "--no-tags", "--quiet", "--no-write-fetch-head", remote.path, "+refs/heads/*:refs/remotes/origin/*"]);

  let ready = false;
  const setup = async () => {
    await git(scratch, ["init", "--bare", "--quiet", "--initial-branch=main", mirror]);
    await writeFile(path.join(mirror, "info", "exclude"), ".cw/\n");
    await fetch();
    await git(mirror, ["push", "--quiet", remote.path, "refs/remotes/origin/main:refs/heads/cw/bare"]);
    ready = true;
  };

  return {
    async task(k) {
      const t0 = performance.now();
      // The first task clones the mirror, as the runner's first does.
      if (!ready) await setup();
      const branch = `cw/bare-task-${k}`;
      const tree = path.join(scratch, "bare-worktrees", `task-${k}`);
      await mkdir(path.dirname(tree), { recursive: true });
      await fetch();
      await git(mirror, ["worktree", "add", "--quiet", "--no-track", "-B", branch, tree, "refs/remotes/origin/cw/bare"]);
      await execa("sh", ["-c", AGENT_COMMAND], {
        cwd: tree,
        env: { ...env, CW_TASK_ID: `bare-${k}`, CW_OUTPUT_DIR: path.join(tree, ".cw", "output"), CW_INPUT_DIR: path.join(tree, ".cw", "input") },
        extendEnv: false,
        stdin: "ignore",
      });
      await git(tree, ["add", "--all"]);
      await git(tree, ["commit", "--quiet", "--no-verify", "-m", `Task ${k}`]);
      await git(tree, ["push", "--quiet", "--porcelain", remote.path, `HEAD:refs/heads/${branch}`]);
      const mergedTree = await git(mirror, ["merge-tree", "--write-tree", "refs/remotes/origin/cw/bare", branch]);
      const merge = await git(mirror, ["commit-tree", mergedTree, "-p", "refs/remotes/origin/cw/bare", "-p", branch, "-m", `Merge ${branch}`]);
      await git(mirror, ["push", "--quiet", "--porcelain", remote.path, `${merge}:refs/heads/cw/bare`]);
      await git(mirror, ["worktree", "remove", "--force", "--force", tree]);
      return performance.now() - t0;
    },
    async filesOnTarget() {
      return (await filesAt(remote, "cw/bare")).filter((f) => /^f-.*\.txt$/.test(f)).length;
    },
  };
}

// ------------------------------------------------------------------------------------------
// 2. Dispatch latency along a chain
// ------------------------------------------------------------------------------------------

const CHAIN = 30;
const LATENCY_TARGET_P50_MS = 100;

export async function dispatchLatency(): Promise<Figures> {
  const scratch = await makeTempDir("cw-bench-chain-");
  const remote = await createBareRemote({ files: { "README.md": "# Chain\n" } });
  const booted = await bootRunnerApp(scratch, 4, "app", TIMED_AGENT_COMMAND);
  const fake = new FakeGitHub({ repositories: [{ cloneUrl: remote.path }] });
  try {
    await booted.install(fake);
    const m = fake.createMilestone({ title: "Chain" });
    let previous: number | undefined;
    for (let k = 0; k < CHAIN; k++) {
      const body = previous === undefined ? "The first link." : `Depends on #${previous}`;
      previous = fake.openIssue({ title: `Link ${k}`, body, milestone: m, labels: ["cw:run"] }, WRITER);
    }
    await booted.converge(fake);

    const load = loadAverage();
    const t0 = performance.now();
    booted.app.processor.start();
    booted.app.outbox.start();
    // The reconcile worker is what unblocks a dependent once its dependency is done (reconcile_due).
    booted.app.reconcile.start();
    await booted.app.dispatcher.start();
    const finished = await waitUntil(async () => ((await taskCounts(booted)).completed ?? 0) === CHAIN, 60_000, 100);
    const wall = (performance.now() - t0) / 1000;
    await booted.app.dispatcher.stop();
    const counts = await taskCounts(booted);

    // Per link: when its agent row was made (the claim), when the agent process itself started
    // (its own clock, from the file it committed), and when the finishing transaction ran.
    const rows = await booted.database.rows<{ task: string; issue: number; started: Date; finished: Date | null }>(
      `select t.id as task, t.issue_number as issue, a.started_at as started, a.finished_at as finished
       from agents a join tasks t on t.id = a.task_id order by t.issue_number, a.started_at`,
    );
    const spawnedAt = new Map<string, number>();
    for (const row of rows) {
      const text = await readFileAt(remote, "cw/chain", `f-${row.task}.txt`);
      if (text) spawnedAt.set(row.task, Number(BigInt(text.trim()) / 1_000_000n));
    }
    const latencies: number[] = [];
    const claimLatencies: number[] = [];
    for (let i = 1; i < rows.length; i++) {
      const before = rows[i - 1]!;
      const after = rows[i]!;
      if (!before.finished || after.issue === before.issue) continue;
      const finishedMs = new Date(before.finished).getTime();
      claimLatencies.push(new Date(after.started).getTime() - finishedMs);
      const spawned = spawnedAt.get(after.task);
      if (spawned !== undefined) latencies.push(spawned - finishedMs);
    }
    const p50 = percentileOf(latencies, 50);
    return {
      "runner.latency.chain": `${CHAIN} tasks, each blocked by the one before; CW_MAX_AGENTS=4; dispatcher, processor, reconcile and outbox started`,
      "runner.latency.loadavg1": load,
      "runner.latency.measured": "dependency's finished_at (finishing transaction) → dependent agent's own start (date +%s%N in the agent)",
      "runner.latency.samples": latencies.length,
      "runner.latency.p50.ms": round(p50, 1),
      "runner.latency.p99.ms": round(percentileOf(latencies, 99), 1),
      "runner.latency.min.ms": round(Math.min(...latencies), 1),
      "runner.latency.toClaim.p50.ms": round(percentileOf(claimLatencies, 50), 1),
      "runner.latency.toClaim.p99.ms": round(percentileOf(claimLatencies, 99), 1),
      "runner.latency.chain.seconds": round(wall, 2),
      "runner.latency.tasks": describeCounts(counts),
      "runner.latency.appLog": booted.logSummary(),
      "runner.latency.target":
        finished && p50 <= LATENCY_TARGET_P50_MS
          ? `met (p50 ≤ ${LATENCY_TARGET_P50_MS} ms)`
          : `MISSED: ${finished ? `p50 ${round(p50, 1)} ms > ${LATENCY_TARGET_P50_MS} ms` : "the chain did not finish in 60 s"}`,
    };
  } finally {
    fake.dispose();
    await booted.close();
  }
}

// ------------------------------------------------------------------------------------------
// 3. 200 tasks in a DAG
// ------------------------------------------------------------------------------------------

const DAG_TASKS = 200;
const DAG_AGENTS = 8;
const DAG_TIMEOUT_MS = 120_000;

export async function bigDag(): Promise<Figures> {
  const scratch = await makeTempDir("cw-bench-dag-");
  const remote = await createBareRemote({ files: { "README.md": "# DAG\n" } });
  const booted = await bootRunnerApp(scratch, DAG_AGENTS, "app");
  const fake = new FakeGitHub({ repositories: [{ cloneUrl: remote.path }] });
  const random = seededRandom(0xda6);
  try {
    await booted.install(fake);
    const setupStarted = performance.now();
    const m = fake.createMilestone({ title: "Big DAG" });
    const numbers: number[] = [];
    let edges = 0;
    for (let k = 0; k < DAG_TASKS; k++) {
      // Up to two blockers among the 40 tasks before: wide enough for 8 agents, deep enough to wait.
      const deps = new Set<number>();
      if (k >= 8) for (let d = Math.floor(random() * 3); d > 0; d--) deps.add(numbers[k - 1 - Math.floor(random() * Math.min(40, k))]!);
      edges += deps.size;
      const body = [`Task ${k}.`, ...[...deps].map((n) => `Depends on #${n}`)].join("\n\n");
      numbers.push(fake.openIssue({ title: `Task ${k}`, body, milestone: m, labels: ["cw:run"] }, WRITER));
    }
    // Setup, not measured: each issue's `opened` webhook alone (it carries the label and the
    // milestone) rather than opened + labeled + milestoned, and no outbox yet: the runs do not
    // wait for GitHub's labels, and the outbox runs alongside them below.
    for (const webhook of fake.dropWebhooks()) {
      if (webhook.action !== "opened") continue;
      await postDelivery(booted.app.port, webhook.event, webhook.payload, { deliveryId: webhook.deliveryId });
    }
    await booted.settle({ outbox: false });
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    const before = await taskCounts(booted);

    let peak = process.memoryUsage().rss;
    const baseline = peak;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 100);
    const load = loadAverage();
    const t0 = performance.now();
    booted.app.processor.start();
    booted.app.outbox.start();
    // The reconcile worker is what unblocks a dependent once its dependency is done (reconcile_due).
    booted.app.reconcile.start();
    await booted.app.dispatcher.start();
    let counts: Record<string, number> = {};
    const finished = await waitUntil(
      async () => {
        counts = await taskCounts(booted);
        return (counts.completed ?? 0) + (counts.failed ?? 0) === DAG_TASKS;
      },
      DAG_TIMEOUT_MS,
      100,
    );
    const wall = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    await booted.app.dispatcher.stop();
    counts = await taskCounts(booted);
    const [runs] = await booted.database.rows<{ runs: number; failed: number; retries: number }>(
      `select (select count(*)::int from agents) as runs,
              (select count(*)::int from agents where status = 'crashed') as failed,
              (select coalesce(sum(retry_count), 0)::int from tasks) as retries`,
    );
    const [firstError] = await booted.database.rows<{ e: string }>(
      `select coalesce(
         (select result from agents where status = 'crashed' order by started_at limit 1),
         (select last_error from tasks where last_error is not null limit 1)) as e`,
    );
    const onBranch = (await filesAt(remote, "cw/big-dag")).filter((f) => /^f-.*\.txt$/.test(f)).length;
    const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);
    const completed = counts.completed ?? 0;
    return {
      "runner.dag.tasks": `${DAG_TASKS} tasks, ${edges} dependency edges, CW_MAX_AGENTS=${DAG_AGENTS}; dispatcher, processor, reconcile and outbox started`,
      "runner.dag.setup.seconds": round(setupSeconds, 2),
      "runner.dag.loadavg1": load,
      "runner.dag.statusBefore": describeCounts(before),
      "runner.dag.wall.seconds": round(wall, 2),
      "runner.dag.tasksPerSecond": round(completed / wall, 2),
      "runner.dag.completed": completed,
      "runner.dag.statusAfter": describeCounts(counts),
      "runner.dag.agentRuns": runs?.runs ?? 0,
      "runner.dag.retries": runs?.retries ?? 0,
      "runner.dag.crashedRuns": runs?.failed ?? 0,
      "runner.dag.firstError": firstError?.e ? firstError.e.split("\n")[0]!.slice(0, 200) : "none",
      "runner.dag.appLog": booted.logSummary(),
      "runner.dag.filesOnInitiativeBranch": onBranch,
      "runner.dag.rss.baseline.MB": mb(baseline),
      "runner.dag.rss.peak.MB": mb(peak),
      "runner.dag.finishedInTime": finished ? "yes" : `NO (stopped after ${DAG_TIMEOUT_MS / 1000} s)`,
    };
  } finally {
    fake.dispose();
    await booted.close();
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  console.log(JSON.stringify(await benchRunner(), null, 2));
  process.exit(0);
}
