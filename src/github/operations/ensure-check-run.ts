/** One of the app's check runs (a phase's, a task's) on a commit: created once per commit and name, then edited. */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { checkRuns } from "../../db/schema.js";
import type { EnsureCheckRunIntent } from "../../core/intents.js";
import { checkRunHash, checkRunOutput } from "../../core/check-run-output.js";
import type { AppOctokit } from "../octokit.js";
import { projectIdOf } from "../pull-request-store.js";

export async function ensureCheckRun(octokit: AppOctokit, intent: EnsureCheckRunIntent, db: Db): Promise<void> {
  const { owner, repo } = intent.repo;
  const output = checkRunOutput(intent);
  const fields = {
    status: intent.status,
    ...(intent.status === "completed" ? { conclusion: intent.conclusion ?? "success", completed_at: new Date().toISOString() } : {}),
    output,
  };
  const outputHash = checkRunHash(intent);
  const projectId = await projectIdOf(db, intent.repo);
  const where = and(eq(checkRuns.projectId, projectId), eq(checkRuns.headSha, intent.headSha), eq(checkRuns.name, intent.name));
  const [known] = await db.select().from(checkRuns).where(where);
  if (known) {
    if (known.outputHash === outputHash) return;
    await octokit.rest.checks.update({ owner, repo, check_run_id: known.checkRunId, ...fields });
    await db.update(checkRuns).set({ outputHash, status: intent.status }).where(where);
    return;
  }
  const { data } = await octokit.rest.checks.create({ owner, repo, name: intent.name, head_sha: intent.headSha, ...fields });
  await db
    .insert(checkRuns)
    .values({ projectId, headSha: intent.headSha, name: intent.name, checkRunId: data.id, outputHash, status: intent.status })
    .onConflictDoUpdate({ target: [checkRuns.projectId, checkRuns.headSha, checkRuns.name], set: { checkRunId: data.id, outputHash, status: intent.status } });
}
