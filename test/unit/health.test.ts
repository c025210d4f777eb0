/**
 * /healthz says whether this process starts agents: a runner that refuses (containment is not
 * possible here, or agents could log in to the database) leaves the app healthy, but no task will
 * run until the operator acts, and the answer says why.
 */
import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/client.js";
import { healthEndpoint } from "../../src/server/health.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function healthz(database: Pick<Database, "ping">, refusal: () => string | undefined): Promise<{ status: number; body: unknown }> {
  const handle = healthEndpoint(database as Database, refusal);
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: res.status, body: await res.json() };
}

describe("/healthz", () => {
  it("says the runner starts no agents, and why, while the app stays healthy", async () => {
    expect(await healthz({ ping: async () => {} }, () => "agents could log in to the database")).toEqual({
      status: 200,
      body: { status: "ok", database: "ok", runner: "starts no agents: agents could log in to the database" },
    });
    expect(await healthz({ ping: async () => {} }, () => undefined)).toEqual({ status: 200, body: { status: "ok", database: "ok", runner: "ok" } });
  });

  it("is 503 when the database does not answer", async () => {
    const answer = await healthz({ ping: () => Promise.reject(new Error("connection refused")) }, () => undefined);
    expect(answer).toEqual({ status: 503, body: { status: "unavailable", database: "connection refused" } });
  });
});
