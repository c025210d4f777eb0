import type { IncomingMessage, ServerResponse } from "node:http";
import type { Database } from "../db/client.js";

const PING_TIMEOUT_MS = 2_000;

/**
 * GET /healthz: 200 when the database answers, 503 when it does not. `runner` says whether this
 * process starts agents, and if not, why (containment is not possible here): the app itself is
 * healthy then, but no task will run until the operator acts.
 */
export function healthEndpoint(database: Database, runnerRefusal: () => string | undefined = () => undefined) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        database.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error("timed out")), PING_TIMEOUT_MS);
        }),
      ]);
      const refusal = runnerRefusal();
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ status: "ok", database: "ok", runner: refusal ? `starts no agents: ${refusal}` : "ok" }));
    } catch (error) {
      res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ status: "unavailable", database: (error as Error).message }));
    } finally {
      clearTimeout(timer);
    }
  };
}
