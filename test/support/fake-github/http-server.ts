/**
 * The fake GitHub over real HTTP on 127.0.0.1, for an app running in another process (nock only
 * reaches requests made in the test's own process). It answers as GitHub Enterprise Server lays
 * out its API, which is where `GHE_HOST`/`GHE_PROTOCOL=http` point the app: REST under `/api/v3`,
 * GraphQL at `/api/graphql`. Every answer comes from `FakeGitHub.respond`, the same routes the
 * interceptors use; URLs in answers (pagination links) name this server instead of api.github.com.
 *
 * `withhold` lets a test lose an answer: the request is applied, its answer is never sent (the
 * connection stays open until the server closes), as when the app dies while it is in flight.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FakeGitHub } from "./fake-github.js";
import type { FakeRequest } from "./types.js";

export interface FakeGitHubServer {
  /** `host:port`, what GHE_HOST takes. */
  host: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Called with each request the fake answered; true keeps its answer from ever being sent. */
  withhold?: (request: FakeRequest) => boolean;
}

const GITHUB_API = "https://api.github.com";

export async function serveFakeGitHub(fake: FakeGitHub, options: ServeOptions = {}): Promise<FakeGitHubServer> {
  let base = "";
  const server = createServer((req, res) => {
    void readBody(req).then(
      (raw) => {
        try {
          answer(fake, base, req, res, raw, options);
        } catch (error) {
          // A bug of the fake: the app logs this answer, and the test's output shows it.
          res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ message: `fake GitHub: ${String(error)}` }));
        }
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}/api/v3`;
  return {
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(fake: FakeGitHub, base: string, req: IncomingMessage, res: ServerResponse, raw: string, options: ServeOptions): void {
  const url = apiPath(req.url ?? "/");
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
  const body = raw === "" ? undefined : /json/.test(headers["content-type"] ?? "") ? (JSON.parse(raw) as unknown) : raw;
  const before = fake.requests.length;
  const result = url === undefined ? undefined : fake.respond(req.method ?? "GET", url, body, headers);
  if (!result) {
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "Not Found (the fake GitHub holds nothing here)" }));
    return;
  }
  const record = fake.requests.length > before ? fake.requests[fake.requests.length - 1] : undefined;
  if (record && options.withhold?.(record)) return;
  const [status, replyBody, replyHeaders = {}] = result as readonly [number, unknown, Record<string, string>?];
  const text = typeof replyBody === "string" ? replyBody : replyBody === undefined ? "" : JSON.stringify(replyBody);
  const outHeaders = Object.fromEntries(Object.entries(replyHeaders).map(([k, v]) => [k, String(v).replaceAll(GITHUB_API, base)]));
  res.writeHead(status, outHeaders).end(text.replaceAll(GITHUB_API, base));
}

/** `/api/v3/x` → `/x`, `/api/graphql` → `/graphql`; anything else is not GitHub's. */
function apiPath(url: string): string | undefined {
  if (url.startsWith("/api/v3/")) return url.slice("/api/v3".length);
  if (url === "/api/graphql" || url.startsWith("/api/graphql?")) return url.slice("/api".length);
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Delivers what the fake queues to the app on `port`, as GitHub does: a delivery to an app that is
 * down is lost (GitHub does not retry by itself).
 */
export function deliverWebhooks(fake: FakeGitHub, port: number): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      if (fake.pendingWebhooks.length > 0) await fake.deliver(port).catch(() => {});
      else await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}
