/**
 * Deliveries the intake answered 503 (the database was down) are lost unless someone asks
 * GitHub for them again: GitHub does not retry a failed delivery by itself. From the first
 * delivery it could not store, the intake is in an outage; when it can store again (a delivery
 * stored, or a probe of the inbox every few seconds), the app lists its deliveries through the
 * App webhook deliveries API, authenticated as the app (a JWT), and asks once for each one that
 * failed since the outage began and that it does not hold (`POST …/deliveries/{id}/attempts`).
 * GitHub then sends each again, under the same X-GitHub-Delivery. At start (`catchUp`) the same
 * is done for what failed while the app was not running at all.
 */
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import { desc, inArray } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { webhookDeliveries } from "../db/schema.js";
import type { Logger } from "../logger.js";

/** What the deliveries API says of one attempt (the fields this reads). */
export interface HookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
}

/** The part of an Octokit this needs: tests hand in one pointed at a mock. */
export type DeliveriesClient = Pick<Octokit, "paginate" | "rest">;

/**
 * A client of the deliveries API authenticated as the app. Made with @octokit/rest: it acts as
 * the app itself, outside any installation and outside Probot's webhook handling.
 */
export function appDeliveriesClient(options: { appId: number; privateKey: string; baseUrl?: string | undefined }): DeliveriesClient {
  return new Octokit({
    authStrategy: createAppAuth,
    auth: { appId: options.appId, privateKey: options.privateKey },
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
  });
}

export interface DeliveryRecoveryOptions {
  db: Db;
  log: Logger;
  client: DeliveriesClient;
  /** Checks that the inbox can be written again (rejects while it cannot). */
  probe(): Promise<void>;
  probeEveryMs?: number;
  /** Deliveries up to this long before the first failure are looked at too (clocks differ). */
  marginMs?: number;
}

/** How long GitHub keeps a hook's deliveries. */
const GITHUB_KEEPS_MS = 3 * 24 * 3_600_000;

export class DeliveryRecovery {
  #outageSince: number | undefined;
  #probe: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  /** Deliveries asked for already: each failed one is asked for once. */
  readonly #asked = new Set<number>();

  constructor(private readonly options: DeliveryRecoveryOptions) {}

  get inOutage(): boolean {
    return this.#outageSince !== undefined;
  }

  /** A delivery could not be stored (answered 503). */
  storeFailed(): void {
    if (this.#outageSince !== undefined) return;
    this.#outageSince = Date.now();
    this.options.log.warn("the inbox cannot be written: deliveries are answered 503 and will be asked for again once it can");
    this.#probe = setInterval(() => {
      this.options.probe().then(
        () => void this.recovered(),
        () => {},
      );
    }, this.options.probeEveryMs ?? 5_000);
    this.#probe.unref();
  }

  /** A delivery was stored: if an outage was on, it is over. */
  stored(): void {
    if (this.#outageSince !== undefined) void this.recovered();
  }

  /** Ends the outage and asks for what failed during it; resolves to how many were asked for. */
  recovered(): Promise<number> {
    if (this.#running) return this.#running;
    const since = this.#outageSince;
    if (since === undefined) return Promise.resolve(0);
    clearInterval(this.#probe);
    this.#outageSince = undefined;
    this.#running = this.#redeliver(since - (this.options.marginMs ?? 60_000))
      .catch((error: unknown) => {
        // Asked again at the next outage's end; GitHub keeps deliveries for 3 days.
        this.options.log.error({ err: error }, "could not ask GitHub for the deliveries that failed during the outage");
        return 0;
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  /**
   * At start: what GitHub could not deliver while this app was down (a refused connection), or
   * what it answered 503 and was then stopped before it could ask, is asked for again — every
   * failed delivery from shortly before the newest one the inbox holds (GitHub keeps them 3
   * days) that the inbox does not hold. An empty inbox (a new install) asks for nothing.
   */
  async catchUp(): Promise<number> {
    // The newest by arrival order: the primary key, not a scan of every delivery ever stored.
    const [row] = await this.options.db.select({ at: webhookDeliveries.receivedAt }).from(webhookDeliveries).orderBy(desc(webhookDeliveries.seq)).limit(1);
    if (!row?.at) return 0;
    const since = Math.max(new Date(row.at).getTime() - (this.options.marginMs ?? 60_000), Date.now() - GITHUB_KEEPS_MS);
    return this.#redeliver(since).catch((error: unknown) => {
      this.options.log.error({ err: error }, "could not ask GitHub for the deliveries that failed while the app was down");
      return 0;
    });
  }

  stop(): void {
    clearInterval(this.#probe);
  }

  async #redeliver(since: number): Promise<number> {
    const { client, db, log } = this.options;
    const byGuid = new Map<string, HookDelivery[]>();
    // Newest first; stop at the first page that reaches back before the outage.
    for await (const page of client.paginate.iterator(client.rest.apps.listWebhookDeliveries, { per_page: 100 })) {
      const deliveries = page.data as HookDelivery[];
      for (const d of deliveries) {
        if (Date.parse(d.delivered_at) < since) continue;
        byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
      }
      if (deliveries.length === 0 || deliveries.some((d) => Date.parse(d.delivered_at) < since)) break;
    }
    // A guid whose every attempt failed, and that the inbox does not hold (a redelivery may have landed).
    // In the order GitHub first sent them, so they arrive again in their order.
    const failed = [...byGuid.values()]
      .filter((attempts) => attempts.every(failedOnOurSide))
      .sort((a, b) => Math.min(...a.map(firstSent)) - Math.min(...b.map(firstSent)));
    const held = failed.length
      ? new Set(
          (
            await db
              .select({ id: webhookDeliveries.deliveryId })
              .from(webhookDeliveries)
              .where(
                inArray(
                  webhookDeliveries.deliveryId,
                  failed.map((a) => a[0]!.guid),
                ),
              )
          ).map((r) => r.id),
        )
      : new Set<string>();
    let asked = 0;
    for (const attempts of failed) {
      const latest = attempts.reduce((a, b) => (Date.parse(b.delivered_at) > Date.parse(a.delivered_at) ? b : a));
      if (held.has(latest.guid) || attempts.some((a) => this.#asked.has(a.id))) continue;
      // Marked before the request: a catch-up and an outage's end running at once ask once.
      this.#asked.add(latest.id);
      try {
        await client.rest.apps.redeliverWebhookDelivery({ delivery_id: latest.id });
      } catch (error) {
        this.#asked.delete(latest.id);
        throw error;
      }
      asked++;
    }
    log.info({ asked }, "asked GitHub again for the deliveries that failed");
    return asked;
  }
}

function firstSent(d: HookDelivery): number {
  return Date.parse(d.delivered_at);
}

/**
 * An attempt that failed because of the app's side being away: no connection (status 0) or a
 * server error (the 503 of an outage). A 4xx was the intake refusing the delivery on purpose (a
 * bad signature, a payload nested too deep): asking for it again gets the same answer.
 */
function failedOnOurSide(attempt: HookDelivery): boolean {
  return attempt.status_code === 0 || attempt.status_code >= 500;
}
