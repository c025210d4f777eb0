/**
 * `npm run bench [-- name …]`: runs every benchmark (or the named ones) in sequence and prints
 * each one's figures as a table, then all of them as one JSON line (the last line of output).
 * Benchmarks are not tests: they measure and print; the targets are stated next to the figures.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";

type Figures = Record<string, number | string>;

/**
 * The registry: add a module's benchmark here. Each is imported when it runs, so a subset runs
 * without loading (or compiling) the others.
 */
const BENCHES: { name: string; run: () => Promise<Figures> }[] = [
  { name: "graph", run: async () => (await import("./graph.js")).benchGraph() },
  { name: "intake", run: async () => (await import("./intake.js")).benchIntake() },
  { name: "burst", run: async () => (await import("./burst.js")).benchBurst() },
  { name: "startup", run: async () => (await import("./startup.js")).benchStartup() },
  { name: "sync", run: async () => (await import("./sync.js")).benchSync() },
  { name: "runner", run: async () => (await import("./runner.js")).benchRunner() },
  { name: "phases", run: async () => (await import("./phases.js")).benchPhases() },
  { name: "board", run: async () => (await import("./board-writes.js")).benchBoardWrites() },
  { name: "watch", run: async () => (await import("./watch.js")).benchWatch() },
  { name: "metrics", run: async () => (await import("./metrics.js")).benchMetrics() },
  { name: "plan-apply", run: async () => (await import("./plan-apply.js")).benchPlanApply() },
];

async function main(argv: string[]): Promise<number> {
  const names = new Set(BENCHES.map((b) => b.name));
  const unknown = argv.filter((a) => !names.has(a));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark ${unknown.map((u) => `"${u}"`).join(", ")}. Known: ${[...names].join(", ")}.`);
    return 2;
  }
  const selected = argv.length === 0 ? BENCHES : BENCHES.filter((b) => argv.includes(b.name));

  const [load1] = os.loadavg();
  const all: Figures = {
    "env.node": process.version,
    "env.cpus": os.availableParallelism(),
    "env.loadavg1": Math.round((load1 ?? 0) * 100) / 100,
  };
  console.log(`Codewalkers benchmarks — Node ${process.version}, ${all["env.cpus"]} CPUs, load average ${all["env.loadavg1"]}`);
  if ((load1 ?? 0) > os.availableParallelism() / 2) console.log("(the machine is busy: the figures will be lower and noisier than on an idle machine)");

  const failed: string[] = [];
  for (const bench of selected) {
    console.log(`\n▶ ${bench.name}`);
    const started = performance.now();
    try {
      const figures = await bench.run();
      const seconds = Math.round(performance.now() - started) / 1000;
      printTable({ ...figures, [`${bench.name}.benchSeconds`]: seconds });
      Object.assign(all, figures, { [`${bench.name}.benchSeconds`]: seconds });
    } catch (error) {
      failed.push(bench.name);
      console.error(`  ✗ ${bench.name} failed: ${(error as Error).stack ?? String(error)}`);
    }
  }
  if (failed.length > 0) all.failed = failed.join(",");
  console.log("");
  console.log(JSON.stringify(all));
  return failed.length > 0 ? 1 : 0;
}

function printTable(figures: Figures): void {
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  for (const [key, value] of Object.entries(figures)) {
    const shown = typeof value === "number" ? value.toLocaleString("en-US", { maximumFractionDigits: 3 }) : value;
    console.log(`  ${key.padEnd(width)}  ${shown}`);
  }
}

// Exit explicitly: a benchmark may leave a timer or a socket behind, and the run must end.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
