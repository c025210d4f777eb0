/**
 * A verify agent's "fail" at the end of its run (finish-run.ts → verify-failed.ts), on the
 * database: the first rounds open a fix task in the phase; the last one fails the task and asks
 * a person. What is stored and which GitHub writes are recorded.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import { agents, initiatives, outbox, phases, projects, tasks } from "../../src/db/schema.js";
import { finishRun } from "../../src/core/commands/finish-run.js";
import { MAX_VERIFY_ROUNDS } from "../../src/core/verify.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
beforeEach(async () => database.truncateAll());
afterAll(async () => database.close());

const FINDINGS = [{ message: "sessions never expire", path: "store.ts", line: 3 }];

/** A project with a phase (#10) in milestone 3, and verify task #11 in progress under runner r1. */
async function seed(earlierFixes: number) {
  const db = database.db;
  const [project] = await db
    .insert(projects)
    .values({ name: "acme/shop", url: "/tmp/shop.git", owner: "acme", repo: "shop", installationId: 1, config: { triggerLabel: "go" } })
    .returning();
  const [initiative] = await db.insert(initiatives).values({ projectId: project!.id, name: "Sessions", milestoneNumber: 3, branch: "cw/sessions" }).returning();
  const [phase] = await db.insert(phases).values({ projectId: project!.id, initiativeId: initiative!.id, name: "Store", issueNumber: 10 }).returning();
  const [verify] = await db
    .insert(tasks)
    .values({
      projectId: project!.id,
      initiativeId: initiative!.id,
      phaseId: phase!.id,
      name: "Verify the store",
      issueNumber: 11,
      category: "verify",
      status: "in_progress",
      attempt: 1,
      claimedBy: "r1",
    })
    .returning();
  for (let i = 0; i < earlierFixes; i++) {
    await db
      .insert(tasks)
      .values({ projectId: project!.id, phaseId: phase!.id, name: `fix ${i}`, issueNumber: 20 + i, status: "completed", fixesTaskId: verify!.id });
  }
  const [agent] = await db
    .insert(agents)
    .values({ name: "calm-otter", worktreeId: "calm-otter", taskId: verify!.id, mode: "verify", status: "running", attempt: 1 })
    .returning();
  return { verify: verify!, agent: agent! };
}

function fail(verifyId: string, agentId: string) {
  return finishRun(database.db, {
    fence: { taskId: verifyId, attempt: 1, runnerId: "r1" },
    agentId,
    exitCode: 0,
    sessionId: null,
    logTail: "",
    end: { kind: "verify-failed", agentName: "calm-otter", summary: "❌ Verification failed (1 finding).", findings: FINDINGS, headSha: "abc123" },
  });
}

describe("a verify agent's fail", () => {
  it("blocks the verify task, records a fix task with no issue yet, and asks the outbox to open its issue in the phase", async () => {
    const { verify, agent } = await seed(0);
    expect(await fail(verify.id, agent.id)).toBe(true);
    const rows = await database.db.select().from(tasks).orderBy(asc(tasks.createdAt));
    const after = rows.find((t) => t.id === verify.id)!;
    expect(after).toMatchObject({ status: "blocked", verdict: "fail", findings: FINDINGS, headSha: "abc123", claimedBy: null });
    const fix = rows.find((t) => t.fixesTaskId === verify.id)!;
    expect(fix).toMatchObject({ status: "blocked", issueNumber: null, phaseId: verify.phaseId, category: "execute" });
    expect(fix.description).toContain("sessions never expire");
    const intents = (await database.db.select().from(outbox)).map((o) => o.payload as Record<string, unknown>);
    expect(intents).toContainEqual(
      expect.objectContaining({ kind: "open-task-issue", taskId: fix.id, labels: ["go"], milestoneNumber: 3, parentIssueNumber: 10 }),
    );
    expect(intents).toContainEqual(
      expect.objectContaining({ kind: "upsert-comment", issueNumber: 11, body: expect.stringContaining("A fix task with these findings is being opened") }),
    );
    const [agentRow] = await database.db.select().from(agents).where(eq(agents.id, agent.id));
    expect(agentRow!.status).toBe("idle");
  });

  it(`fails the task after ${MAX_VERIFY_ROUNDS} verifications, opening no more fix tasks`, async () => {
    const { verify, agent } = await seed(MAX_VERIFY_ROUNDS - 1);
    expect(await fail(verify.id, agent.id)).toBe(true);
    const rows = await database.db.select().from(tasks);
    expect(rows.find((t) => t.id === verify.id)).toMatchObject({ status: "failed", verdict: "fail" });
    expect(rows.filter((t) => t.fixesTaskId === verify.id)).toHaveLength(MAX_VERIFY_ROUNDS - 1);
    const intents = (await database.db.select().from(outbox)).map((o) => o.payload as Record<string, unknown>);
    expect(intents.map((i) => i.kind)).not.toContain("open-task-issue");
    expect(intents).toContainEqual(
      expect.objectContaining({ kind: "upsert-comment", issueNumber: 11, body: expect.stringContaining(`verified ${MAX_VERIFY_ROUNDS} times`) }),
    );
  });
});
