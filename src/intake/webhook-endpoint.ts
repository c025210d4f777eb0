/**
 * The webhook endpoint: verify, store, answer. Nothing is processed here: the processor takes
 * the stored row, so a crash after the answer loses nothing and a redelivery changes nothing.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger.js";
import type { Db } from "../db/client.js";
import { verifySignature } from "./verify-signature.js";
import { storeDelivery } from "./store-delivery.js";
import { deliveriesTotal } from "../server/metrics.js";
import type { IntakeFirst } from "./intake-first.js";

/** GitHub caps webhook payloads at 25 MB. */
const MAX_BODY_BYTES = 25 * 1024 * 1024;
/**
 * GitHub's payloads nest about ten levels deep. Anything far deeper is refused before it is
 * parsed or stored: a signed, deeply nested payload once froze the embedded database for minutes.
 */
export const MAX_PAYLOAD_DEPTH = 64;

export interface WebhookEndpointOptions {
  db: Db;
  secret: string;
  log: Logger;
  isHandled(event: string, action: string | undefined): boolean;
  /** Called after a new delivery is stored, to wake the processor. */
  onStored(): void;
  /** Told when a delivery could not be stored (503) and when one was again (see recover-deliveries.ts). */
  recovery?: { storeFailed(): void; stored(): void };
  /** On PGlite: stores go before the workers' next work (see intake-first.ts). */
  intakeFirst?: IntakeFirst;
}

export function webhookEndpoint(options: WebhookEndpointOptions) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") return reply(res, 405, { error: "use POST" });
    options.intakeFirst?.arrived();

    const event = header(req, "x-github-event");
    const deliveryId = header(req, "x-github-delivery");
    if (!event || !deliveryId) {
      return reply(res, 400, { error: "missing X-GitHub-Event or X-GitHub-Delivery header" });
    }
    const log = options.log.child({ delivery: deliveryId, event });

    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch {
      // Answer while the rest of the body drains unread, then close: destroying the socket while
      // the sender still writes resets the connection and it would never see the 413.
      res.setHeader("connection", "close");
      return reply(res, 413, { error: "payload too large" });
    }
    if (!verifySignature(options.secret, body, header(req, "x-hub-signature-256"))) {
      log.warn("rejected a delivery with a missing or invalid signature");
      return reply(res, 401, { error: "signature does not match: check WEBHOOK_SECRET" });
    }

    if (nestingDepth(body) > MAX_PAYLOAD_DEPTH) {
      log.warn("refused a delivery nested deeper than the limit");
      return reply(res, 400, { error: `payload nested deeper than ${MAX_PAYLOAD_DEPTH} levels` });
    }
    const text = body.toString("utf8");
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      return reply(res, 400, { error: "body is not JSON (set the webhook content type to application/json)" });
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      return reply(res, 400, { error: "body is not a JSON object" });
    }

    const record = payload as Record<string, unknown>;
    const action = typeof record.action === "string" ? record.action : undefined;
    const handled = options.isHandled(event, action);
    let stored: boolean;
    try {
      const store = () => storeDelivery(options.db, { deliveryId, event, payload: record, rawBody: text, handled });
      stored = await (options.intakeFirst ? options.intakeFirst.storing(store) : store());
    } catch (error) {
      // 5xx makes GitHub record the failure, so the delivery can be redelivered later.
      log.error({ err: error }, "could not store a delivery");
      options.recovery?.storeFailed();
      return reply(res, 503, { error: "database unavailable" });
    }
    options.recovery?.stored();
    if (stored) deliveriesTotal.inc({ outcome: "stored" });
    if (stored && handled) options.onStored();
    log.debug({ stored, handled }, "delivery received");
    return reply(res, 202, { delivery: deliveryId, status: stored ? (handled ? "queued" : "ignored") : "duplicate" });
  };
}

/** The deepest nesting of arrays and objects in a JSON text, in one pass over its bytes (strings skipped). */
export function nestingDepth(json: Uint8Array): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error("too large")); // the rest is discarded as it arrives
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
