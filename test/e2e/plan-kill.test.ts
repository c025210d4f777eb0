/**
 * Issue #13: "a crash (kill -9) halfway through applying a 40-issue plan, then a restart: exactly
 * 40 issues in the end", for real. The app runs as `npm start` does, in a child process, against
 * the fake GitHub served over HTTP (GHE_HOST); it is killed with SIGKILL while one creation has
 * landed on GitHub and its answer is still on the way (the fake withholds it), and a second
 * process on the same database (PostgreSQL, or the same PGlite directory) finishes the change set.
 * It must find the lost one by its marker, not create it again.
 *
 * `approval_required` keeps the 38 planned tasks from running agents: only the plan runs (after
 * `/cw approve`), so what is asserted is the change set alone. GitHub's pace is not what this is
 * about (test/e2e/plan-crash.test.ts and write-pace.test.ts are): both processes are told a pace
 * they never reach (`CW_GITHUB_WRITES_PER_MINUTE`), which spares the minute a 40-issue plan would
 * otherwise wait. The test waits for what a person would see (the change set's comment saying it
 * is applied), never for a length of time.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { openDatabase, type Database } from "../../src/db/client.js";
import { changeSets, phases, tasks } from "../../src/db/schema.js";
import { plannedIssueMarker } from "../../src/core/change-set-text.js";
import { startAppProcess, type AppProcess } from "../support/app-process.js";
import { createTestDatabase } from "../support/database.js";
import { FakeGitHub } from "../support/fake-github/index.js";
import { deliverWebhooks, serveFakeGitHub } from "../support/fake-github/http-server.js";
import type { FakeRequest } from "../support/fake-github/types.js";
import { createBareRemote } from "../support/git-fixtures.js";
import { TEST_WEBHOOK_SECRET, testAgentUsers } from "../support/github-app.js";
import { planBody } from "../support/plan-scripts.js";
import { agentScratch } from "../support/scratch.js";
import { useStrictNock } from "../support/strict-nock.js";

const FAKE_AGENT = fileURLToPath(new URL("../support/fake-agent.mjs", import.meta.url));
const KEY_PATH = fileURLToPath(new URL("../fixtures/test-app-key.pem", import.meta.url));
const scratch = agentScratch("cw-plan-kill-");
const CREATE = "POST /repos/{owner}/{repo}/issues";
/** The creation whose answer is lost: the app is killed while it is in flight. */
const KILLED_AT = 20;

useStrictNock();
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const PLAN = {
  phases: [
    { key: "p1", title: "Phase one" },
    { key: "p2", title: "Phase two", dependsOn: ["p1"] },
  ],
  tasks: Array.from({ length: 38 }, (_, i) => ({ key: `t${i}`, phase: i < 19 ? "p1" : "p2", title: `Task ${i}`, body: `Step ${i}.` })),
};

/**
 * The app's database: this file's own PostgreSQL database, or a PGlite directory the app makes at
 * its first start. `read` opens it from the test (PGlite: only while no app process holds it).
 */
async function appDatabase(
  dataDir: string,
): Promise<{ env: Record<string, string>; read<T>(fn: (db: Database) => Promise<T>): Promise<T>; drop(): Promise<void> }> {
  if (!process.env.DATABASE_URL) {
    return {
      env: {},
      async read(fn) {
        const db = await openDatabase({ dataDir: path.join(dataDir, "pglite") });
        try {
          return await fn(db);
        } finally {
          await db.close();
        }
      },
      drop: async () => {},
    };
  }
  const database = await createTestDatabase();
  // The test server trusts local connections, so the runner would start no agent (not even the
  // plan's) unless told that this is known.
  const env = { DATABASE_URL: database.url!, CW_UNSAFE_DATABASE: "1" };
  return { env, read: (fn) => fn(database), drop: () => database.close() };
}

describe("a 40-issue plan, its app killed with SIGKILL halfway through applying it", () => {
  it("is finished by the next app process on the same database: exactly 40 issues, each once", { timeout: 300_000 }, async (context) => {
    const remote = await createBareRemote({ files: { "README.md": "# Big\n" } });
    const fake = new FakeGitHub({ repositories: [{ cloneUrl: remote.path, files: { ".github/codewalkers.yml": "approval_required: true\n" } }] });
    let lost: FakeRequest | undefined;
    let creations = 0;
    const github = await serveFakeGitHub(fake, {
      withhold(request) {
        if (request.route !== CREATE || ++creations !== KILLED_AT) return false;
        lost = request;
        return true;
      },
    });
    const dataDir = path.join(scratch, "data");
    const database = await appDatabase(dataDir);
    const env = {
      ...database.env,
      APP_ID: "4242",
      PRIVATE_KEY_PATH: KEY_PATH,
      WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      CW_DATA_DIR: dataDir,
      CW_AGENT: "command",
      CW_AGENT_COMMAND: `exec node "${FAKE_AGENT}"`,
      CW_AGENT_USERS: testAgentUsers(0),
      CW_AGENT_RETRIES: "0",
      CW_MAX_AGENTS: "2",
      CW_GITHUB_WRITES_PER_MINUTE: "100000",
      CW_GITHUB_WRITES_PER_HOUR: "100000",
    };
    const apps: AppProcess[] = [];
    context.onTestFinished(async () => {
      for (const app of apps) await app.kill("SIGKILL");
      await github.close();
      await database.drop();
    });

    // The first life: installed, the plan approved and run, its change set applied until the
    // creation the fake withholds.
    const first = await startAppProcess(env);
    apps.push(first);
    let webhooks = deliverWebhooks(fake, first.port);
    fake.install();
    await first.until(() => fake.labels().some((l) => l.name === "cw:phase"), 60_000);
    const m = fake.createMilestone({ title: "Big plan" });
    const planIssue = fake.openIssue({ title: "Plan it all", milestone: m, labels: ["cw:plan", "cw:run"], body: planBody(PLAN, "Plan.") });
    await first.until(() => fake.labelsOf(planIssue).includes("cw:pending-approval"), 60_000);
    fake.comment(planIssue, "/cw approve");
    await first.until(() => lost !== undefined, 120_000);

    // kill -9 while that creation is in flight: it is on GitHub, its answer never arrives.
    expect(await first.kill("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    await webhooks.stop();
    fake.dropWebhooks();
    const requestsBeforeRestart = fake.requests.length;
    const createdBeforeKill = createdIssues(fake, planIssue).length;
    expect(createdBeforeKill).toBeGreaterThanOrEqual(KILLED_AT);
    expect(createdBeforeKill).toBeLessThan(40);
    const [halfway] = await database.read((db) => db.db.select().from(changeSets));
    expect(halfway!.status).toBe("applying");

    // The second life, on the same database.
    const second = await startAppProcess(env);
    apps.push(second);
    webhooks = deliverWebhooks(fake, second.port);
    const applied = () => fake.commentsOn(planIssue).some((c) => c.body.includes(`Change set \`${halfway!.id}\`** by`) && c.body.includes("is applied"));
    await second.until(applied, 240_000);
    await webhooks.stop();
    expect(await second.kill("SIGTERM"), second.output()).toEqual({ code: 0, signal: null });

    // What a person sees on GitHub: the 40 planned issues, each once, each with its own marker.
    const created = createdIssues(fake, planIssue);
    expect(created.map((i) => i.title).sort()).toEqual([...PLAN.phases, ...PLAN.tasks].map((e) => e.title).sort());
    const keyOf = new Map([...PLAN.phases, ...PLAN.tasks].map((e) => [e.title, e.key]));
    for (const issue of created) {
      expect(issue.milestone).toBe(m);
      expect(issue.body).toContain(plannedIssueMarker(halfway!.id, keyOf.get(issue.title)!));
    }
    // The creation whose answer was lost was looked for in the milestone, found by its marker,
    // and not made twice.
    const lostTitle = (lost!.body as { title: string }).title;
    expect(created.filter((i) => i.title === lostTitle)).toHaveLength(1);
    expect(fake.requests.filter((r) => r.route === CREATE && (r.body as { title: string }).title === lostTitle)).toHaveLength(1);
    const afterRestart = fake.requests.slice(requestsBeforeRestart);
    expect(afterRestart.some((r) => r.route === "GET /repos/{owner}/{repo}/issues" && r.query.milestone === String(m))).toBe(true);
    // And `start` asked GitHub for the deliveries that failed while no app was running (catchUp).
    expect(afterRestart.some((r) => r.route === "GET /app/hook/deliveries")).toBe(true);
    // Tasks under their phases; phase two blocked by phase one.
    const idOf = (title: string) => created.find((i) => i.title === title)!.id;
    for (const [i, task] of PLAN.tasks.entries()) {
      expect(created.find((c) => c.title === task.title)!.parent, task.title).toBe(idOf(i < 19 ? "Phase one" : "Phase two"));
    }
    expect(created.find((i) => i.title === "Phase two")!.blockedBy).toEqual([idOf("Phase one")]);
    // One comment on the plan issue names the change set.
    expect(fake.commentsOn(planIssue).filter((c) => c.body.includes(halfway!.id))).toHaveLength(1);

    // And the database: the change set applied, a task or phase row for each issue.
    await database.read(async (db) => {
      const [cs] = await db.db.select().from(changeSets).where(eq(changeSets.id, halfway!.id));
      expect(cs!.status).toBe("applied");
      const taskRows = await db.db.select().from(tasks).where(eq(tasks.initiativeId, cs!.initiativeId));
      expect(taskRows.filter((t) => t.issueNumber !== planIssue)).toHaveLength(38);
      expect(await db.db.select().from(phases).where(eq(phases.initiativeId, cs!.initiativeId))).toHaveLength(2);
    });
  });
});

/** The issues of the fake's repository other than the plan issue (the plan made every one). */
function createdIssues(fake: FakeGitHub, planIssue: number) {
  return [...fake.repositories[0]!.issues.values()].filter((i) => i.number !== planIssue);
}
