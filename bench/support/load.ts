/**
 * A webhook load generator: N concurrent keep-alive clients posting signed deliveries, each with a
 * unique X-GitHub-Delivery. It runs in its own process (bench/support/load-client.ts) so that the
 * server under test keeps its event loop to itself; this side starts it and reads its figures.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface LoadTemplate {
  event: string;
  /** The exact body posted (signed once; only the delivery id changes per request). */
  body: string;
}

export interface LoadOptions {
  url: string;
  secret: string;
  templates: LoadTemplate[];
  /** Indexes into `templates`; request i posts templates[schedule[i % schedule.length]]. */
  schedule: number[];
  concurrency: number;
  warmupRequests: number;
  /** The measured run stops after this many requests or `maxSeconds`, whichever comes first. */
  requests: number;
  maxSeconds: number;
}

export interface PhaseResult {
  /** Requests completed (any status). */
  completed: number;
  /** 2xx answers. */
  accepted: number;
  /** Answers by status code, and "error" for requests that got no answer. */
  statuses: Record<string, number>;
  elapsedMs: number;
  /** Per-request latency (request written → response fully read), in ms, in completion order. */
  latenciesMs: number[];
  /** Bytes of request bodies posted. */
  bodyBytes: number;
}

export interface LoadResult {
  warmup: PhaseResult;
  measured: PhaseResult;
}

export type LoadMessage = { type: "run"; options: LoadOptions };
export type LoadReply = { type: "result"; result: LoadResult } | { type: "error"; message: string };

/** Runs the load in a child process and returns its figures. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const child = fork(fileURLToPath(new URL("./load-client.ts", import.meta.url)), [], {
    execArgv: ["--import", import.meta.resolve("tsx")],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise<LoadResult>((resolve, reject) => {
    let settled = false;
    child.on("message", (reply: LoadReply) => {
      settled = true;
      if (reply.type === "result") resolve(reply.result);
      else reject(new Error(`load client: ${reply.message}`));
      child.disconnect();
    });
    child.on("error", (error) => {
      if (!settled) reject(error);
    });
    child.on("exit", (code, signal) => {
      if (!settled) reject(new Error(`load client exited early (${signal ?? `code ${code}`})`));
    });
    child.send({ type: "run", options } satisfies LoadMessage);
  });
}

export interface LatencySummary {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summarise(phase: PhaseResult): LatencySummary {
  const sorted = [...phase.latenciesMs].sort((a, b) => a - b);
  return {
    perSecond: round(phase.accepted / (phase.elapsedMs / 1000), 0),
    p50Ms: round(percentile(sorted, 50), 2),
    p99Ms: round(percentile(sorted, 99), 2),
    maxMs: round(sorted[sorted.length - 1] ?? Number.NaN, 2),
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
