/** The "Codewalkers" check run on a pull request's head: created once per commit, then edited. */
import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { checkRuns } from "../../db/schema.js";
import type { EnsureCheckRunIntent } from "../../core/intents.js";
import type { AppOctokit } from "../octokit.js";
import { projectIdOf } from "../pull-request-store.js";

/** GitHub's limit for a check run's output text and summary. */
const MAX_OUTPUT = 65_535;

function outputOf(intent: Pick<EnsureCheckRunIntent, "title" | "summary" | "text">) {
  return {
    title: intent.title.slice(0, 255),
    summary: intent.summary.slice(0, MAX_OUTPUT),
    ...(intent.text ? { text: intent.text.slice(-MAX_OUTPUT) } : {}),
  };
}

/** What identifies a check run's content: the same hash means nothing to send. */
export function checkRunHash(intent: Pick<EnsureCheckRunIntent, "status" | "conclusion" | "title" | "summary" | "text">): string {
  return createHash("sha256").update(JSON.stringify({ s: intent.status, c: intent.conclusion, output: outputOf(intent) })).digest("hex");
}

export async function ensureCheckRun(octokit: AppOctokit, intent: EnsureCheckRunIntent, db: Db): Promise<void> {
  const { owner, repo } = intent.repo;
  const output = outputOf(intent);
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
    await db.update(checkRuns).set({ outputHash }).where(where);
    return;
  }
  const { data } = await octokit.rest.checks.create({ owner, repo, name: intent.name, head_sha: intent.headSha, ...fields });
  await db
    .insert(checkRuns)
    .values({ projectId, headSha: intent.headSha, name: intent.name, checkRunId: data.id, outputHash })
    .onConflictDoUpdate({ target: [checkRuns.projectId, checkRuns.headSha, checkRuns.name], set: { checkRunId: data.id, outputHash } });
}
