/**
 * Deliveries answered 503 while the inbox could not be written are asked for again: once the
 * intake can store again, the app lists its deliveries (GET /app/hook/deliveries, as the app,
 * with a JWT) and asks once for each that failed during the outage and that it does not hold.
 * The deliveries API is mocked with strict nock; GitHub's redelivery is then posted as GitHub
 * would post it, under the same X-GitHub-Delivery. And a payload nested too deep is refused.
 */
import { describe, expect, it } from "vitest";
import { webhookDeliveries } from "../../src/db/schema.js";
import { MAX_PAYLOAD_DEPTH, nestingDepth } from "../../src/intake/webhook-endpoint.js";
import { bootApp } from "../../src/boot.js";
import { useBootedApp } from "../support/boot.js";
import { waitFor } from "../support/processes.js";
import { postDelivery, testConfig, testLog } from "../support/github-app.js";
import { issuesPayload } from "../support/payloads.js";
import { github, recordedRequests, useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const booted = useBootedApp();

const payload = (n: number) => issuesPayload("opened", { number: n, title: `Issue ${n}` });
const stored = async () => (await booted.database.db.select({ id: webhookDeliveries.deliveryId }).from(webhookDeliveries)).map((r) => r.id).sort();
const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
/** One attempt as GET /app/hook/deliveries lists it (status 0: GitHub could not connect). */
const attempt = (id: number, guid: string, msAgo: number, statusCode: number, action: string, redelivery = false) => ({
  id,
  guid,
  delivered_at: at(msAgo),
  status_code: statusCode,
  status: statusCode === 0 ? "failed to connect to host" : statusCode < 300 ? "OK" : `Invalid HTTP Response: ${statusCode}`,
  event: "issues",
  action,
  redelivery,
  duration: statusCode === 0 ? 0 : 0.1,
});

describe("deliveries lost to a database outage", () => {
  it("are asked for once each when the inbox can be written again, and stored when GitHub sends them", async () => {
    // The outage: the inbox cannot be written.
    await booted.database.rows(`alter table webhook_deliveries rename to webhook_deliveries_away`);
    const lost = ["lost-1", "lost-2", "lost-3"];
    try {
      for (const [i, id] of lost.entries()) {
        const answer = await postDelivery(booted.app.port, "issues", payload(i + 1), { deliveryId: id });
        expect(answer.status).toBe(503);
      }
    } finally {
      await booted.database.rows(`alter table webhook_deliveries_away rename to webhook_deliveries`);
    }
    expect(booted.app.deliveryRecovery.inOutage).toBe(true);

    // GitHub's record of the app's deliveries, newest first: the three that failed, one older
    // failure (before the outage: not ours to ask for), one whose redelivery already landed, and
    // the delivery that ends the outage.
    const scope = github()
      .get("/app/hook/deliveries")
      .query({ per_page: "100" })
      .matchHeader("authorization", /^bearer /i)
      .reply(200, [
        attempt(105, "back", 0, 202, "opened"),
        attempt(104, "lost-3", 1_000, 503, "opened"),
        attempt(103, "lost-2", 2_000, 503, "opened"),
        attempt(102, "lost-1", 3_000, 503, "opened"),
        attempt(101, "healed", 4_000, 202, "opened", true),
        attempt(100, "healed", 5_000, 503, "opened"),
        attempt(99, "old", 3_600_000, 500, "opened"),
      ])
      .post("/app/hook/deliveries/102/attempts")
      .reply(202, {})
      .post("/app/hook/deliveries/103/attempts")
      .reply(202, {})
      .post("/app/hook/deliveries/104/attempts")
      .reply(202, {});

    // The first delivery stored ends the outage.
    expect((await postDelivery(booted.app.port, "issues", payload(9), { deliveryId: "back" })).status).toBe(202);
    await waitFor(() => scope.isDone());
    expect(booted.app.deliveryRecovery.inOutage).toBe(false);
    await booted.app.deliveryRecovery.recovered(); // the recovery in flight, if it has not ended yet
    // Asked once: a second end of outage asks for nothing again.
    expect(await booted.app.deliveryRecovery.recovered()).toBe(0);

    // GitHub sends them again, under the same delivery ids.
    for (const [i, id] of lost.entries()) {
      expect((await postDelivery(booted.app.port, "issues", payload(i + 1), { deliveryId: id })).status).toBe(202);
    }
    expect(await stored()).toEqual(["back", ...lost].sort());
    expect(recordedRequests().map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      "GET /app/hook/deliveries",
      "POST /app/hook/deliveries/102/attempts",
      "POST /app/hook/deliveries/103/attempts",
      "POST /app/hook/deliveries/104/attempts",
    ]);
  });
});

describe("deliveries that failed while the app was down", () => {
  it("are asked for once each when it starts again: those after the newest it holds, failed, and not held", async () => {
    // What the app held when it stopped: its newest delivery came a minute ago.
    expect((await postDelivery(booted.app.port, "issues", payload(1), { deliveryId: "before-down" })).status).toBe(202);
    await booted.database.rows(`update webhook_deliveries set received_at = now() - interval '60 seconds' where delivery_id = 'before-down'`);

    // Meanwhile GitHub could not connect (status 0), or met a 503 from the app's last moments
    // (a 400 the intake gave on purpose is not asked for again);
    // one old failure lies before what the app holds (not its to ask for), one redelivery landed.
    const scope = github()
      .get("/app/hook/deliveries")
      .query({ per_page: "100" })
      .matchHeader("authorization", /^bearer /i)
      .reply(200, [
        // Refused by the intake on purpose (a payload nested too deep): not the app's absence.
        attempt(205, "too-deep", 3_000, 400, "opened"),
        attempt(204, "down-2", 5_000, 0, "edited"),
        attempt(203, "down-1", 20_000, 0, "opened"),
        attempt(202, "last-503", 50_000, 503, "opened"),
        attempt(201, "before-down", 60_000, 202, "opened"),
        attempt(200, "ancient", 3_600_000, 0, "opened"),
      ])
      .post("/app/hook/deliveries/202/attempts")
      .reply(202, {})
      .post("/app/hook/deliveries/203/attempts")
      .reply(202, {})
      .post("/app/hook/deliveries/204/attempts")
      .reply(202, {});

    // The app starts again on the same database, as `start` boots it.
    const again = await bootApp({ config: testConfig(), log: testLog, database: booted.database, startWorkers: false, catchUpDeliveries: true });
    try {
      await waitFor(() => scope.isDone());
      // Oldest first, each once.
      expect(recordedRequests().map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
        "GET /app/hook/deliveries",
        "POST /app/hook/deliveries/202/attempts",
        "POST /app/hook/deliveries/203/attempts",
        "POST /app/hook/deliveries/204/attempts",
      ]);
    } finally {
      await again.stop();
    }
  });

  it("asks nothing of a new install (an empty inbox)", async () => {
    expect(await booted.app.deliveryRecovery.catchUp()).toBe(0);
    expect(recordedRequests()).toEqual([]);
  });
});

describe("a payload nested too deep", () => {
  it("is refused at once with 400, and nothing is stored", async () => {
    const levels = 100_000;
    const rawBody = `{"action":"opened","deep":${'{"a":['.repeat(levels)}1${"]}".repeat(levels)}}`;
    const answer = await postDelivery(booted.app.port, "issues", undefined, { rawBody });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain(`deeper than ${MAX_PAYLOAD_DEPTH}`);
    expect(await stored()).toEqual([]);
  });

  it("counts nesting outside strings only", () => {
    expect(nestingDepth(Buffer.from(`{"a":[{"b":"[[[[{{{{\\"]]]"}]}`))).toBe(3);
    expect(nestingDepth(Buffer.from(`[]`))).toBe(1);
  });
});
