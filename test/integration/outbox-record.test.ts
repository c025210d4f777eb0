import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import { installationHolds, outbox } from "../../src/db/schema.js";
import { claimOutboxRow, completeOutboxRow, holdInstallation } from "../../src/github/outbox-queue.js";
import { recordIntents } from "../../src/core/commands/record-intents.js";
import type { GitHubIntent, RepoRef } from "../../src/core/intents.js";
import type { StatusLabel } from "../../src/core/labels.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
beforeEach(async () => database.truncateAll());
afterAll(async () => database.close());

const repo: RepoRef = { owner: "octo", repo: "app", installationId: 42 };
const label = (issueNumber: number, name: StatusLabel | null): GitHubIntent => ({ kind: "set-status-label", repo, issueNumber, label: name });
const rows = () => database.db.select().from(outbox).orderBy(asc(outbox.seq));

describe("recording intents in the outbox", () => {
  it("records a list in one go: one pending row per target, the last intent of a target winning in the place of its first", async () => {
    await recordIntents(database.db, [label(1, "cw:blocked"), label(2, "cw:ready"), label(1, "cw:ready")]);
    const recorded = await rows();
    expect(recorded.map((r) => [r.targetKey, (r.payload as { label: string }).label, r.status])).toEqual([
      [expect.stringContaining("#1"), "cw:ready", "pending"],
      [expect.stringContaining("#2"), "cw:ready", "pending"],
    ]);
    expect(recorded.every((r) => r.installationId === 42 && r.operation === "set-status-label")).toBe(true);
  });

  it("re-recording the payload a pending row already holds leaves the row untouched; a new payload replaces it", async () => {
    await recordIntents(database.db, [label(1, "cw:blocked")]);
    const [first] = await rows();
    await new Promise((r) => setTimeout(r, 20));
    await recordIntents(database.db, [label(1, "cw:blocked")]);
    const [same] = await rows();
    expect(same!.updatedAt.getTime()).toBe(first!.updatedAt.getTime());
    await recordIntents(database.db, [label(1, "cw:ready")]);
    const after = await rows();
    expect(after).toHaveLength(1);
    expect(after[0]!.seq).toBe(first!.seq);
    expect((after[0]!.payload as { label: string }).label).toBe("cw:ready");
    expect(after[0]!.updatedAt.getTime()).toBeGreaterThan(first!.updatedAt.getTime());
  });

  it("a target being written (not pending) gets a new pending row after it, not an edit of the one in flight", async () => {
    await recordIntents(database.db, [label(1, "cw:blocked")]);
    const [inFlight] = await rows();
    await database.db.update(outbox).set({ status: "processing" }).where(eq(outbox.seq, inFlight!.seq));
    await recordIntents(database.db, [label(1, "cw:ready"), label(3, "cw:ready")]);
    const recorded = await rows();
    expect(recorded.map((r) => [r.status, (r.payload as { issueNumber: number }).issueNumber, (r.payload as { label: string }).label])).toEqual([
      ["processing", 1, "cw:blocked"],
      ["pending", 1, "cw:ready"],
      ["pending", 3, "cw:ready"],
    ]);
  });

  it("an empty list sends nothing", async () => {
    await recordIntents(database.db, []);
    expect(await rows()).toEqual([]);
  });
});

describe("an installation GitHub asked to wait", () => {
  const other: RepoRef = { owner: "octo", repo: "elsewhere", installationId: 43 };
  const holds = () => database.db.select().from(installationHolds);

  it("has no write claimed until its time, by any process: those waiting, those recorded later; other installations go on", async () => {
    await recordIntents(database.db, [label(1, "cw:blocked")]);
    await holdInstallation(database, 42, new Date(Date.now() + 60_000));
    await recordIntents(database.db, [label(2, "cw:ready"), { kind: "set-status-label", repo: other, issueNumber: 1, label: "cw:ready" }]);
    // claimOutboxRow is what every app process's outbox worker runs.
    const claimed = await claimOutboxRow(database);
    expect(claimed).toMatchObject({ installationId: 43 });
    await completeOutboxRow(database, claimed!);
    expect(await claimOutboxRow(database)).toBeUndefined();

    // An earlier time never shortens the hold; a later one extends it.
    const [first] = await holds();
    await holdInstallation(database, 42, new Date(Date.now() + 1_000));
    expect((await holds())[0]!.until.getTime()).toBe(first!.until.getTime());
    await holdInstallation(database, 42, new Date(first!.until.getTime() + 30_000));
    expect((await holds())[0]!.until.getTime()).toBe(first!.until.getTime() + 30_000);

    // Its time has come: the writes go, oldest first.
    await database.db.update(installationHolds).set({ until: new Date(Date.now() - 1_000) });
    expect(await claimOutboxRow(database)).toMatchObject({ installationId: 42, targetKey: expect.stringContaining("#1") });
  });
});
