/**
 * The planning issue's figures: a 60-task plan in 4 phases (each phase's tasks a chain, each
 * phase after the one before) applied as one change set against the fake GitHub, with GitHub's
 * content-creation limit modelled (80 a minute, 500 an hour, 403 + retry-after beyond). Time is
 * modelled: the app's pacer and the fake's limit share a clock the benchmark moves forward
 * whenever every waiting write waits for it, so minutes of pacing take seconds.
 *
 * Figures: modelled wall time, requests by kind, 403s met (target: none, the app paces
 * itself), requests per created issue (target ≤ 4: the issue, its sub-issue link, its
 * dependencies; no read-backs); and recording the change set in the database (PostgreSQL; target
 * ≤ 200 ms for 60 tasks).
 */
import { performance } from "node:perf_hooks";
import { and, asc, eq, lte, sql } from "drizzle-orm";
import { changeSets, outbox, projects, tasks } from "../src/db/schema.js";
import { WritePacer } from "../src/github/write-pacer.js";
import { checkPlan } from "../src/core/plan-file.js";
import { recordChangeSet } from "../src/core/commands/record-change-set.js";
import { projectTransaction } from "../src/core/commands/project-transaction.js";
import { FakeGitHub } from "../test/support/fake-github/index.js";
import { ContentLimit } from "../test/support/fake-github/content-limit.js";
import { WRITER } from "../test/support/payloads.js";
import { bootBenchApp, localNetworkOnly, type BenchApp } from "./support/bench-app.js";

type Figures = Record<string, number | string>;

const PHASES = 4;
const TASKS_PER_PHASE = 15;

function sixtyTaskPlan() {
  const phases = Array.from({ length: PHASES }, (_, p) => ({
    key: `p${p}`,
    title: `Phase ${p + 1}`,
    body: `Part ${p + 1} of the work.`,
    dependsOn: p > 0 ? [`p${p - 1}`] : [],
  }));
  const tasks = Array.from({ length: PHASES * TASKS_PER_PHASE }, (_, i) => {
    const p = Math.floor(i / TASKS_PER_PHASE);
    return { key: `t${i}`, phase: `p${p}`, title: `Task ${i + 1}`, body: `Step ${i + 1}.`, dependsOn: i % TASKS_PER_PHASE > 0 ? [`t${i - 1}`] : [] };
  });
  return JSON.stringify({ phases, tasks });
}

export async function benchPlanApply(): Promise<Figures> {
  const restore = localNetworkOnly();
  let bench: BenchApp | undefined;
  let clock = Date.now();
  try {
    bench = await bootBenchApp({ outbox: "app", writePacer: new WritePacer(undefined, () => clock) });
    const b = bench;
    const db = b.database.db;
    const fake = new FakeGitHub();
    await b.install(fake);
    const m = fake.createMilestone({ title: "Big plan" });
    const planIssue = fake.openIssue({ title: "Plan it", milestone: m, labels: ["cw:plan", "cw:run"] }, WRITER);
    await b.converge(fake);
    const [task] = await db.select().from(tasks).where(eq(tasks.issueNumber, planIssue));
    const [project] = await db.select().from(projects);
    if (!task || !project) throw new Error("plan-apply bench: no planning task");
    const checked = checkPlan(sixtyTaskPlan(), { mode: "plan", known: new Map() });
    if (!checked.ok) throw new Error(`plan-apply bench: ${checked.problems.join("; ")}`);
    // In the database only: the change set and its 64 entries, in one transaction (the median of 5).
    const dbTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const { id } = await projectTransaction(db, project.id, (tx) =>
        recordChangeSet(tx, { project, task, agentId: null, agentName: "bench-agent", mode: "plan", plan: checked.plan, summary: "A big plan." }),
      );
      dbTimes.push(performance.now() - t0);
      if (i < 4) await db.delete(changeSets).where(eq(changeSets.id, id));
    }
    dbTimes.sort((x, y) => x - y);
    // Only the last one is applied: the others are gone, with their outbox comment left harmless.
    await db.delete(outbox).where(sql`${outbox.targetKey} like 'comment:%change-set:%' and ${outbox.status} = 'pending'`);

    const limit = new ContentLimit({ now: () => clock });
    fake.limitContentCreation(limit);
    fake.resetCounts();
    const modelStart = clock;
    const realStart = performance.now();
    for (let round = 0; round < 2_000; round++) {
      // A chain of 15 dependent tasks is created one link at a time: more rounds than settle allows at once.
      await b.converge(fake).catch((error: Error) => {
        if (!/kept coming/.test(error.message)) throw error;
      });
      const [cs] = await db.select().from(changeSets);
      if (cs?.status === "applied") break;
      // Every write left waits for the clock: move it to the first one's time.
      const [next] = await db.select({ at: outbox.runAfter }).from(outbox).where(eq(outbox.status, "pending")).orderBy(asc(outbox.runAfter)).limit(1);
      const wait = next ? Math.max(0, next.at.getTime() - Date.now()) : 0;
      // (+250 ms: the real time spent since the wait was set counts too, or the clock never gets there.)
      clock += wait + 250;
      await db
        .update(outbox)
        .set({ runAfter: new Date(0) })
        .where(and(eq(outbox.status, "pending"), lte(outbox.runAfter, new Date(Date.now() + wait + 250))));
    }
    const [cs] = await db.select().from(changeSets);
    if (cs?.status !== "applied") throw new Error(`plan-apply bench: the change set is ${cs?.status}`);
    const counts = fake.counts().byRoute;
    const routes = {
      createIssue: counts["POST /repos/{owner}/{repo}/issues"] ?? 0,
      subIssue: counts["POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues"] ?? 0,
      dependency: counts["POST /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by"] ?? 0,
      readIssue: counts["GET /repos/{owner}/{repo}/issues/{issue_number}"] ?? 0,
      listIssues: counts["GET /repos/{owner}/{repo}/issues"] ?? 0,
    };
    const created = PHASES + PHASES * TASKS_PER_PHASE;
    const forIssues = routes.createIssue + routes.subIssue + routes.dependency + routes.readIssue;
    return {
      "planApply.issues": created,
      "planApply.modelledSeconds": Math.round((clock - modelStart) / 100) / 10 + Math.round(performance.now() - realStart) / 1000,
      "planApply.realSeconds": Math.round(performance.now() - realStart) / 1000,
      "planApply.requests.createIssue": routes.createIssue,
      "planApply.requests.subIssue": routes.subIssue,
      "planApply.requests.dependency": routes.dependency,
      "planApply.requests.readBack": routes.readIssue + routes.listIssues,
      "planApply.requests.writes": fake.counts().writes,
      "planApply.requests.reads": fake.counts().reads,
      "planApply.403s": limit.refused,
      "planApply.requestsPerCreatedIssue": Math.round((forIssues / created) * 100) / 100,
      "planApply.targetRequestsPerIssue": 4,
      "planApply.dbRecordMs.median": Math.round(dbTimes[2]! * 10) / 10,
      "planApply.dbRecordMs.target": 200,
    };
  } finally {
    await bench?.close();
    restore();
  }
}
