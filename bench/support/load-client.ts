/**
 * The load generator's own process (started by runLoad in ./load.ts): `concurrency` clients,
 * each posting its next delivery as soon as the previous one is answered, over keep-alive
 * connections to 127.0.0.1.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import { performance } from "node:perf_hooks";
import { signBody } from "../../src/intake/verify-signature.js";
import type { LoadMessage, LoadOptions, LoadReply, PhaseResult } from "./load.js";

interface Prepared {
  headers: Record<string, string>;
  body: Buffer;
}

// The bench went away (Ctrl-C, a crash): stop posting.
process.once("disconnect", () => process.exit(1));
process.once("message", (message: LoadMessage) => {
  run(message.options).then(
    (result) => process.send!({ type: "result", result } satisfies LoadReply, () => process.exit(0)),
    (error: unknown) => process.send!({ type: "error", message: String((error as Error).stack ?? error) } satisfies LoadReply, () => process.exit(1)),
  );
});

async function run(options: LoadOptions) {
  const url = new URL(options.url);
  if (url.hostname !== "127.0.0.1") throw new Error(`benchmarks talk only to 127.0.0.1, not ${url.hostname}`);
  const prepared: Prepared[] = options.templates.map((t) => {
    const body = Buffer.from(t.body);
    return {
      body,
      headers: {
        "content-type": "application/json",
        "content-length": String(body.length),
        "user-agent": "GitHub-Hookshot/bench",
        "x-github-event": t.event,
        "x-hub-signature-256": signBody(options.secret, body),
      },
    };
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const target = { host: url.hostname, port: Number(url.port), path: url.pathname, agent };

  let sequence = 0;
  const phase = async (limit: number, maxMs: number): Promise<PhaseResult> => {
    const result: PhaseResult = { completed: 0, accepted: 0, statuses: {}, elapsedMs: 0, latenciesMs: [], bodyBytes: 0 };
    let issued = 0;
    const start = performance.now();
    const deadline = start + maxMs;
    const client = async () => {
      while (issued < limit && performance.now() < deadline) {
        issued++;
        const template = prepared[options.schedule[sequence++ % options.schedule.length] as number] as Prepared;
        const sent = performance.now();
        const status = await post(target, template, randomUUID());
        result.latenciesMs.push(performance.now() - sent);
        result.completed++;
        result.bodyBytes += template.body.length;
        if (status >= 200 && status < 300) result.accepted++;
        const key = status === 0 ? "error" : String(status);
        result.statuses[key] = (result.statuses[key] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, client));
    result.elapsedMs = performance.now() - start;
    return result;
  };

  const warmup = await phase(options.warmupRequests, 60_000);
  const measured = await phase(options.requests, options.maxSeconds * 1000);
  agent.destroy();
  return { warmup, measured };
}

/** Posts one delivery; resolves with the status code, or 0 when no answer came. */
function post(target: { host: string; port: number; path: string; agent: http.Agent }, template: Prepared, deliveryId: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ ...target, method: "POST", headers: { ...template.headers, "x-github-delivery": deliveryId } }, (res) => {
      res.on("data", () => {});
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", () => resolve(0));
    });
    req.on("error", () => resolve(0));
    req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
    req.end(template.body);
  });
}
