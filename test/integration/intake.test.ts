/**
 * The webhook intake as GitHub meets it: signed deliveries posted to the real HTTP endpoint,
 * stored before they are answered, processed from the stored row (one at a time per
 * repository), retried with backoff when a handler fails, and refused with a 5xx when the
 * database cannot store them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asc, eq, sql } from "drizzle-orm";
import { bootApp, type RunningApp } from "../../src/boot.js";
import { projects, webhookDeliveries } from "../../src/db/schema.js";
import { labelDefinitions } from "../../src/core/labels.js";
import { claimDeliveries, completeDeliveries, failDelivery, MAX_DELIVERY_ATTEMPTS } from "../../src/intake/delivery-queue.js";
import { storeDelivery } from "../../src/intake/store-delivery.js";
import { signBody } from "../../src/intake/verify-signature.js";
import { useBootedApp } from "../support/boot.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { examplePayload } from "../support/fixtures.js";
import { postDelivery, TEST_WEBHOOK_SECRET, testConfig, testLog } from "../support/github-app.js";
import { github, mockInstallationToken, recordedRequests, useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const booted = useBootedApp();

const REPO = "/repos/Codertocat/Hello-World";

async function storedDeliveries() {
  return booted.database.db.select().from(webhookDeliveries).orderBy(asc(webhookDeliveries.seq));
}

/** A POST with exactly these headers and body, for requests postDelivery would not make. */
async function rawPost(port: number, headers: Record<string, string>, body: string, method = "POST") {
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method,
    headers,
    ...(method === "POST" ? { body } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function getJson(port: number, path: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function installationCreated() {
  return examplePayload<{ installation: { id: number }; repositories: { full_name: string }[] }>("installation", "created");
}

function repoResponse() {
  return {
    id: 186853002,
    node_id: "R_186853002",
    name: "Hello-World",
    full_name: "Codertocat/Hello-World",
    private: false,
    owner: { login: "Codertocat" },
    clone_url: "https://github.com/Codertocat/Hello-World.git",
    default_branch: "main",
  };
}

/** GitHub answers the handler's reads; the repository already has every cw: label. */
function mockInstallationHandlerSucceeds(installationId: number) {
  mockInstallationToken(installationId);
  github().get(REPO).reply(200, repoResponse());
  github().get(`${REPO}/labels`).query(true).reply(200, labelDefinitions());
}

function mockRepositoryReadFails(installationId: number) {
  mockInstallationToken(installationId);
  github().get(REPO).reply(500, { message: "Server Error" });
}

/** Makes a delivery waiting for its backoff runnable now, as time passing would. */
async function makeRunnableNow(seq: number) {
  await booted.database.db.update(webhookDeliveries).set({ runAfter: sql`now()` }).where(eq(webhookDeliveries.seq, seq));
}

describe("only signed deliveries are accepted", () => {
  it("rejects an invalid signature with 401 and stores nothing", async () => {
    const res = await postDelivery(booted.app.port, "star", examplePayload("star", "created"), {
      signature: `sha256=${"0".repeat(64)}`,
    });
    expect(res).toEqual({ status: 401, body: { error: "signature does not match: check WEBHOOK_SECRET" } });
    expect(await storedDeliveries()).toEqual([]);
  });

  it("rejects a missing signature with 401 and stores nothing", async () => {
    const res = await postDelivery(booted.app.port, "installation", installationCreated(), { signature: null });
    expect(res.status).toBe(401);
    expect(await storedDeliveries()).toEqual([]);
  });

  it("rejects a body signed with another secret with 401 and stores nothing", async () => {
    const res = await postDelivery(booted.app.port, "installation", installationCreated(), { secret: "not-the-secret" });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/WEBHOOK_SECRET/);
    expect(await storedDeliveries()).toEqual([]);
  });

  it("rejects a body altered after signing with 401", async () => {
    const body = JSON.stringify(examplePayload("star", "created"));
    const res = await postDelivery(booted.app.port, "star", undefined, {
      rawBody: body.replace("created", "deleted"),
      signature: signBody(TEST_WEBHOOK_SECRET, body),
    });
    expect(res.status).toBe(401);
    expect(await storedDeliveries()).toEqual([]);
  });

  it("rejects an old sha1-only signature with 401", async () => {
    const body = JSON.stringify(examplePayload("star", "created"));
    const sha256 = signBody(TEST_WEBHOOK_SECRET, body).slice("sha256=".length);
    const res = await postDelivery(booted.app.port, "star", undefined, { rawBody: body, signature: `sha1=${sha256}` });
    expect(res.status).toBe(401);
    expect(await storedDeliveries()).toEqual([]);
  });
});

describe("malformed deliveries", () => {
  it("answers 400 to a correctly signed body that is not JSON, and stores nothing", async () => {
    const res = await postDelivery(booted.app.port, "star", undefined, { rawBody: "payload=%7B%22action%22%3A%22created%22%7D" });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/not JSON/);
    expect(await storedDeliveries()).toEqual([]);
  });

  it("answers 400 to a JSON body that is not an object", async () => {
    const res = await postDelivery(booted.app.port, "star", undefined, { rawBody: "[1,2,3]" });
    expect(res).toEqual({ status: 400, body: { error: "body is not a JSON object" } });
    expect(await storedDeliveries()).toEqual([]);
  });

  it.each(["x-github-event", "x-github-delivery"])("answers 400 when %s is missing, and stores nothing", async (missing) => {
    const body = JSON.stringify(examplePayload("star", "created"));
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-github-event": "star",
      "x-github-delivery": crypto.randomUUID(),
      "x-hub-signature-256": signBody(TEST_WEBHOOK_SECRET, body),
    };
    delete headers[missing];
    const res = await rawPost(booted.app.port, headers, body);
    expect(res).toEqual({ status: 400, body: { error: "missing X-GitHub-Event or X-GitHub-Delivery header" } });
    expect(await storedDeliveries()).toEqual([]);
  });

  it("answers 413 to a body over GitHub's 25 MB cap, and stores nothing", async () => {
    const body = `{"action":"created","padding":"${"a".repeat(25 * 1024 * 1024)}"}`;
    const res = await postDelivery(booted.app.port, "star", undefined, { rawBody: body });
    expect(res).toEqual({ status: 413, body: { error: "payload too large" } });
    expect(await storedDeliveries()).toEqual([]);
    // The server is still there for the next delivery.
    expect((await postDelivery(booted.app.port, "star", examplePayload("star", "created"))).status).toBe(202);
  });

  it("answers 405 to a GET on the webhook path and 404 elsewhere", async () => {
    expect((await rawPost(booted.app.port, {}, "", "GET")).status).toBe(405);
    expect(await getJson(booted.app.port, "/nothing-here")).toEqual({ status: 404, body: { error: "not found" } });
  });
});

describe("events the app does not handle", () => {
  it("stores a star event as ignored, answers 202 and never processes it", async () => {
    const payload = examplePayload<{ repository: { id: number } }>("star", "created");
    const res = await postDelivery(booted.app.port, "star", payload, { deliveryId: "star-1" });
    expect(res).toEqual({ status: 202, body: { delivery: "star-1", status: "ignored" } });

    await booted.settle();

    const rows = await storedDeliveries();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      deliveryId: "star-1",
      event: "star",
      action: "created",
      status: "ignored",
      attempts: 0,
      queueKey: `repo:${payload.repository.id}`,
    });
    expect(rows[0]!.payload).toEqual(payload);
    expect(recordedRequests()).toEqual([]);
  });
});

describe("redelivery", () => {
  it("stores the same delivery once and acts on it once", async () => {
    const payload = installationCreated();
    mockInstallationHandlerSucceeds(payload.installation.id);
    const deliveryId = crypto.randomUUID();

    // GitHub may send the same delivery twice at once (a manual redelivery racing the first).
    const [first, second] = await Promise.all([
      postDelivery(booted.app.port, "installation", payload, { deliveryId }),
      postDelivery(booted.app.port, "installation", payload, { deliveryId }),
    ]);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect([first.body.status, second.body.status].sort()).toEqual(["duplicate", "queued"]);
    await booted.settle();

    // And again after it was processed.
    const third = await postDelivery(booted.app.port, "installation", payload, { deliveryId });
    expect(third).toEqual({ status: 202, body: { delivery: deliveryId, status: "duplicate" } });
    await booted.settle();

    const rows = await storedDeliveries();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ deliveryId, status: "done", attempts: 1 });
    expect(recordedRequests().filter((r) => r.method === "GET" && r.path === REPO)).toHaveLength(1);
    expect(await booted.database.db.select().from(projects)).toHaveLength(1);
  });
});

describe("a handler that fails", () => {
  it("keeps the delivery with its error, retries it later and completes it once GitHub recovers", async () => {
    const payload = installationCreated();
    mockRepositoryReadFails(payload.installation.id);
    expect((await postDelivery(booted.app.port, "installation", payload, { deliveryId: "fails-once" })).status).toBe(202);

    const beforeDrain = Date.now();
    expect(await booted.app.processor.drain()).toBe(1);
    const [failed] = await storedDeliveries();
    expect(failed).toMatchObject({ deliveryId: "fails-once", status: "pending", attempts: 1, lockedUntil: null, processedAt: null });
    expect(failed!.error).toMatch(/Server Error|500/);
    // Backed off: not runnable again straight away (the first backoff is at least half a second).
    expect(failed!.runAfter.getTime()).toBeGreaterThan(beforeDrain + 400);
    expect(await booted.app.processor.drain()).toBe(0);
    expect(await booted.database.db.select().from(projects)).toEqual([]);

    // The app keeps serving: health is fine and new deliveries are accepted.
    expect(await getJson(booted.app.port, "/healthz")).toEqual({ status: 200, body: { status: "ok", database: "ok", runner: "ok" } });
    const star = await postDelivery(booted.app.port, "star", examplePayload("star", "created"));
    expect(star.status).toBe(202);

    // Time passes and GitHub answers again.
    mockInstallationHandlerSucceeds(payload.installation.id);
    await makeRunnableNow(failed!.seq);
    await booted.settle();

    const [done] = await storedDeliveries();
    expect(done).toMatchObject({ deliveryId: "fails-once", status: "done", attempts: 2, error: null, lockedUntil: null });
    expect(done!.processedAt).toBeInstanceOf(Date);
    const [project] = await booted.database.db.select().from(projects);
    expect(project).toMatchObject({ name: "Codertocat/Hello-World", installed: true });
  });

  it(`gives up after ${MAX_DELIVERY_ATTEMPTS} failed attempts and keeps the delivery as dead`, async () => {
    const payload = installationCreated();
    await postDelivery(booted.app.port, "installation", payload, { deliveryId: "always-fails" });

    for (let attempt = 1; attempt <= MAX_DELIVERY_ATTEMPTS; attempt++) {
      mockRepositoryReadFails(payload.installation.id);
      expect(await booted.app.processor.drain(), `attempt ${attempt}`).toBe(1);
      const [row] = await storedDeliveries();
      const last = attempt === MAX_DELIVERY_ATTEMPTS;
      expect(row, `after attempt ${attempt}`).toMatchObject({ status: last ? "dead" : "pending", attempts: attempt });
      expect(row!.error).toMatch(/Server Error|500/);
      await makeRunnableNow(row!.seq);
    }

    // A dead delivery is never taken again.
    expect(await booted.app.processor.drain()).toBe(0);
    const [dead] = await storedDeliveries();
    expect(dead).toMatchObject({ status: "dead", attempts: MAX_DELIVERY_ATTEMPTS });
    expect(dead!.processedAt).toBeInstanceOf(Date);
    expect(recordedRequests().filter((r) => r.path === REPO)).toHaveLength(MAX_DELIVERY_ATTEMPTS);
  });
});

describe("per-repository ordering", () => {
  const INSTALLATION = 9001;
  /** One delivery at a time, as a batch of one. */
  const claimOne = async () => (await claimDeliveries(booted.database, 1))[0];

  async function store(deliveryId: string, repositoryId: number | undefined) {
    const payload: Record<string, unknown> = { action: "opened", installation: { id: INSTALLATION } };
    if (repositoryId !== undefined) payload.repository = { id: repositoryId };
    await storeDelivery(booted.database.db, { deliveryId, event: "issues", payload, handled: true });
  }

  it("takes the oldest delivery of each repository, never two of one repository at a time", async () => {
    await store("a1", 1);
    await store("a2", 1);
    await store("b1", 2);
    await store("i1", undefined);

    const first = await claimOne();
    const second = await claimOne();
    const third = await claimOne();
    expect([first?.deliveryId, second?.deliveryId, third?.deliveryId]).toEqual(["a1", "b1", "i1"]);
    expect([first?.queueKey, second?.queueKey, third?.queueKey]).toEqual(["repo:1", "repo:2", `installation:${INSTALLATION}`]);
    expect(first).toMatchObject({ status: "processing", attempts: 1 });
    expect(first!.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
    // a2 waits while a1 is in flight.
    expect(await claimOne()).toBeUndefined();

    await completeDeliveries(booted.database, [first!]);
    const next = await claimOne();
    expect(next?.deliveryId).toBe("a2");
    expect(await claimOne()).toBeUndefined();
  });

  it("takes a repository's queued deliveries as one batch, in order and up to the limit; the rest wait for it", async () => {
    for (const [id, repo] of [
      ["a1", 1],
      ["b1", 2],
      ["a2", 1],
      ["a3", 1],
    ] as const)
      await store(id, repo);

    const batch = await claimDeliveries(booted.database, 2);
    expect(batch.map((d) => [d.deliveryId, d.status, d.attempts])).toEqual([
      ["a1", "processing", 1],
      ["a2", "processing", 1],
    ]);
    expect((await claimDeliveries(booted.database, 2)).map((d) => d.deliveryId)).toEqual(["b1"]);
    // a3 waits while its repository's batch is in flight.
    expect(await claimDeliveries(booted.database, 2)).toEqual([]);

    await completeDeliveries(booted.database, batch);
    expect(
      (await storedDeliveries())
        .filter((d) => d.status === "done")
        .map((d) => d.deliveryId)
        .sort(),
    ).toEqual(["a1", "a2"]);
    expect((await claimDeliveries(booted.database, 2)).map((d) => d.deliveryId)).toEqual(["a3"]);
  });

  it("hands concurrent claims different repositories", async () => {
    for (const [id, repo] of [
      ["r1-a", 1],
      ["r1-b", 1],
      ["r2-a", 2],
      ["r2-b", 2],
      ["r3-a", 3],
    ] as const)
      await store(id, repo);

    // On PostgreSQL these run on separate connections at the same time.
    const claims = await Promise.all(Array.from({ length: 5 }, () => claimOne()));
    const taken = claims
      .filter((c) => c !== undefined)
      .map((c) => c.deliveryId)
      .sort();
    expect(taken).toEqual(["r1-a", "r2-a", "r3-a"]);
    const processing = await booted.database.db
      .select({ deliveryId: webhookDeliveries.deliveryId })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.status, "processing"));
    expect(processing.map((p) => p.deliveryId).sort()).toEqual(["r1-a", "r2-a", "r3-a"]);
  });

  it("does not take a delivery before its run_after", async () => {
    await store("later", 1);
    await booted.database.db.update(webhookDeliveries).set({ runAfter: sql`now() + interval '1 hour'` });
    expect(await claimOne()).toBeUndefined();
  });

  it("takes a delivery again when the process that held it died (its lock expired)", async () => {
    await store("a1", 1);
    await store("a2", 1);
    const stale = await claimOne();
    expect(stale?.deliveryId).toBe("a1");
    expect(await claimOne()).toBeUndefined();

    // The worker holding a1 died: its lock runs out.
    await booted.database.db.update(webhookDeliveries).set({ lockedUntil: sql`now() - interval '1 second'` }).where(eq(webhookDeliveries.seq, stale!.seq));
    const retaken = await claimOne();
    expect(retaken).toMatchObject({ deliveryId: "a1", status: "processing", attempts: 2 });
    expect(retaken!.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(await claimOne()).toBeUndefined();

    // The old worker finishing late changes nothing: the outcome belongs to the new claim.
    await completeDeliveries(booted.database, [stale!]);
    await failDelivery(booted.database, stale!, "late failure");
    const [row] = await storedDeliveries();
    expect(row).toMatchObject({ deliveryId: "a1", status: "processing", attempts: 2, error: null });
    expect(await claimOne()).toBeUndefined();

    await completeDeliveries(booted.database, [retaken!]);
    expect((await storedDeliveries())[0]).toMatchObject({ deliveryId: "a1", status: "done" });
    expect((await claimOne())?.deliveryId).toBe("a2");
  });
});

describe("when the database is down", () => {
  let database: TestDatabase;
  let app: RunningApp;
  let databaseClosed = false;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await bootApp({ config: testConfig(), log: testLog, database, startWorkers: false });
  });

  afterAll(async () => {
    await app?.stop();
    if (!databaseClosed) await database?.close();
  });

  it("answers 503 to health checks and to deliveries, and keeps serving", async () => {
    expect(await getJson(app.port, "/healthz")).toEqual({ status: 200, body: { status: "ok", database: "ok", runner: "ok" } });
    expect((await postDelivery(app.port, "star", examplePayload("star", "created"))).status).toBe(202);

    await database.close();
    databaseClosed = true;
    // The workers keep polling a database that cannot answer; the process must not fall over.
    app.processor.start();
    app.outbox.start();

    const health = await getJson(app.port, "/healthz");
    expect(health.status).toBe(503);
    expect(health.body.status).toBe("unavailable");

    const res = await postDelivery(app.port, "installation", installationCreated());
    expect(res).toEqual({ status: 503, body: { error: "database unavailable" } });

    // Still serving after a while of failed polls.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await getJson(app.port, "/healthz")).status).toBe(503);
    expect((await postDelivery(app.port, "star", examplePayload("star", "created"))).status).toBe(503);
  });
});
