/** The HTTP server: the webhook endpoint, health, and a 404 for everything else. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "../logger.js";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export const WEBHOOK_PATH = "/api/github/webhooks";

export function createHttpServer(routes: Record<string, RouteHandler>, log: Logger): Server {
  return createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const handler = routes[pathname];
    if (!handler) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
      return;
    }
    handler(req, res).catch((error: unknown) => {
      log.error({ err: error, path: pathname }, "request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "internal error" }));
    });
  });
}

/** The port is taken: a setting to change, reported as one plain message. */
export class PortInUseError extends Error {}

export function listen(server: Server, port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "EADDRINUSE" ? new PortInUseError(`Port ${port} is already in use: set PORT to another port`) : error);
    });
    server.listen({ port, host }, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}
