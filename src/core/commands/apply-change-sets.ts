/**
 * The change-set concern of the reconcile: takes every change set being applied one step
 * further, from what its entries say GitHub has (their `progress`, written by the operations).
 *
 * For each created issue, in the entry order (dependencies and parents first):
 *   1. create it (one request: title, body with `Depends on #N` lines and its marker, labels —
 *      the trigger label for a task — and milestone), once every issue it names has a number;
 *   2. make its task or phase row (`syncIssueIn`, as a writer's issue: the writer who started
 *      the planning task, or who said `/cw apply`), with its parent and body links known;
 *   3. link it under its phase or parent task (one request);
 *   4. add its native dependencies (one request each).
 * Edits are one request each. Pages are the runner's (`runner/page-commits.ts`). When nothing
 * is left the change set is `applied` and its comment says so.
 *
 * A change set that cannot be applied in full ends `failed`, its reasons in its comment: a
 * write GitHub refused for good (the outbox's dead letter, recorded on the entry), a milestone
 * deleted while issues were still to be created in it, pages the runner gave up pushing. Its
 * writes still waiting are withdrawn, and its pages too if they are not committed yet (a failed
 * change set writes none); what it made stays until `/cw revert` undoes it.
 *
 * Every write is an outbox intent, so the outbox paces them, and each intent's target key is
 * its idempotency key: a reconcile that records one still waiting changes nothing, and a
 * restart records exactly what is left.
 */
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { changeSetEntries, changeSets, phases, tasks } from "../../db/schema.js";
import { oneLine, plannedIssueBody, plannedIssueMarker } from "../change-set-text.js";
import type { GitHubIntent } from "../intents.js";
import type { PlanRef } from "../plan-file.js";
import { commentIntent, initiativeOf, loadEntries, pagesFolderOf, type ChangeSetRow, type Entry } from "./change-set-rows.js";
import { upsertLink } from "../../db/issue-links.js";
import { repoConfigOf, repoRefOf, type ProjectRow } from "./project-repo.js";
import { cancelEntryIntents, recordIntents } from "./record-intents.js";
import { syncIssueIn } from "./sync-issue.js";
import { sanitizeIssueText } from "../sanitize.js";
import { sanitizeTitle } from "../sanitize-title.js";

type PagesState = ChangeSetRow["pagesState"];

export async function applyChangeSets(tx: Tx, project: ProjectRow): Promise<void> {
  const sets = await tx
    .select()
    .from(changeSets)
    .where(and(eq(changeSets.projectId, project.id), eq(changeSets.status, "applying")));
  for (const cs of sets) await applyOne(tx, project, cs);
}

async function applyOne(tx: Tx, project: ProjectRow, cs: ChangeSetRow): Promise<void> {
  const repo = repoRefOf(project);
  const config = repoConfigOf(project);
  const initiative = await initiativeOf(tx, cs.initiativeId);
  const entries = await loadEntries(tx, cs.id);
  const byKey = new Map(entries.map((e) => [e.row.key, e]));
  const existing = await existingIssues(tx, project.id, entries);
  const numberOf = (ref: PlanRef): number | null => ("number" in ref ? ref.number : (byKey.get(ref.key)?.row.issueNumber ?? null));
  const idOf = (ref: PlanRef): number | null => ("number" in ref ? (existing.get(ref.number) ?? null) : (byKey.get(ref.key)?.row.issueId ?? null));

  const intents: GitHubIntent[] = [];
  const failures: string[] = [];
  let left = 0;
  for (const entry of entries) {
    const { state, progress, row } = entry;
    if (progress.failed) failures.push(`${entryName(entry)}: ${progress.failed}`);
    if (state.kind === "page") continue;
    if (state.kind === "edit") {
      if (progress.edited) {
        // The app's own edit is a writer's text (the change set's): agents read it from now on.
        if (!progress.synced) await syncEdit(tx, project.id, entry);
        continue;
      }
      left++;
      intents.push({
        kind: "edit-issue",
        repo,
        issueNumber: state.issue,
        ...(state.title !== undefined ? { title: state.title } : {}),
        ...(state.body !== undefined ? { body: state.body } : {}),
        ...(state.close ? { state: "closed" as const, stateReason: "not_planned" as const } : {}),
        entryId: row.id,
        done: "edited",
        keepPrevious: true,
      });
      continue;
    }
    const dependsOn = state.dependsOn.map(numberOf);
    const parent = state.parent ? numberOf(state.parent) : null;
    if (!progress.created || row.issueNumber === null || row.issueId === null) {
      left++;
      // An issue waits for the issues it names: its body gives their numbers.
      if (dependsOn.some((n) => n === null) || (state.parent && parent === null)) continue;
      if (initiative.milestoneNumber === null) {
        failures.push(`${entryName(entry)}: never created, because the milestone was deleted first`);
        continue;
      }
      intents.push({
        kind: "create-planned-issue",
        repo,
        entryId: row.id,
        marker: plannedIssueMarker(cs.id, row.key ?? row.id),
        title: state.title,
        body: plannedIssueBody(state.body, dependsOn as number[], plannedIssueMarker(cs.id, row.key ?? row.id)),
        labels: state.role === "task" && cs.appliedBy ? [...state.labels, config.triggerLabel] : state.labels,
        milestone: initiative.milestoneNumber,
      });
      continue;
    }
    if (!progress.synced) await syncCreated(tx, project, cs, entry, parent, dependsOn as number[]);
    if (parent !== null && !progress.linked) {
      left++;
      intents.push({ kind: "sub-issue", repo, parentNumber: parent, childNumber: row.issueNumber, childId: row.issueId, add: true, entryId: row.id });
    }
    for (const ref of state.dependsOn) {
      const blocker = numberOf(ref);
      const blockerId = idOf(ref);
      // An existing issue the app never saw the id of keeps its `Depends on` line only.
      if (blocker === null || blockerId === null || (progress.blockedBy ?? []).includes(blocker)) continue;
      left++;
      intents.push({ kind: "issue-dependency", repo, issueNumber: row.issueNumber, blockerNumber: blocker, blockerId, add: true, entryId: row.id });
    }
  }
  if (cs.pagesState === "write") left++;
  if (cs.pagesState === "failed") failures.push(cs.failure ?? "its pages could not be committed to the initiative branch");
  /** Its end: the row's new status, and its one comment saying so (from the entries as they are now). */
  const end = async (set: { status: "applied" } | { status: "failed"; failure: string; pagesState: SQL<PagesState> }): Promise<GitHubIntent[]> => {
    const [ended] = await tx.update(changeSets).set(set).where(eq(changeSets.id, cs.id)).returning();
    return commentIntent(repo, ended!, await loadEntries(tx, cs.id), pagesFolderOf(config, initiative), initiative.branch);
  };
  if (failures.length > 0) {
    // It stops here: nothing more of it is written, and what waits is withdrawn — its writes to
    // GitHub, and its pages if they are still owed. Decided on the row as it is now, not as read
    // above: the runner may have committed them meanwhile (`written`, undone by a revert). A
    // push under way at this moment finds `none` when it lands, and the runner takes it back.
    await cancelEntryIntents(
      tx,
      entries.map((e) => e.row.id),
    );
    const pagesState = sql<PagesState>`case when ${changeSets.pagesState} = 'write' then 'none' else ${changeSets.pagesState} end`;
    await recordIntents(tx, await end({ status: "failed", failure: failures.join("\n"), pagesState }));
    return;
  }
  if (left === 0) intents.push(...(await end({ status: "applied" })));
  await recordIntents(tx, intents);
}

/** How the failure reasons name an entry: `Task #12 "Cart view"`, `Phase "Cart" (\`p1\`)` (not created), `The edit of #7`. */
function entryName(entry: Entry): string {
  const { state, row } = entry;
  if (state.kind === "edit") return `The edit of #${state.issue}`;
  if (state.kind === "page") return `Page \`${state.path}\``;
  const title = `"${oneLine(state.title).slice(0, 80)}"`;
  return `${state.role === "phase" ? "Phase" : "Task"} ${row.issueNumber !== null ? `#${row.issueNumber} ${title}` : `${title} (\`${row.key}\`)`}`;
}

/** The created issue becomes a task (started by the change set's writer) or a phase, as if that writer had opened it. */
async function syncCreated(tx: Tx, project: ProjectRow, cs: ChangeSetRow, entry: Entry, parent: number | null, dependsOn: number[]): Promise<void> {
  const facts = entry.progress.facts;
  if (!facts || entry.state.kind !== "issue") return;
  // The app asked for the link: known now, so the task is in its phase from the start.
  if (parent !== null)
    await upsertLink(tx, project.id, "sub_issue", "native", parent, {
      toRepo: project.name,
      toNumber: facts.number,
      toIssueId: facts.id,
      toState: "open",
      verified: true,
    });
  await syncIssueIn(tx, {
    project,
    issue: facts,
    config: repoConfigOf(project),
    startedBy: entry.state.role === "task" ? cs.appliedBy : null,
    stopRequested: false,
    trustBody: true,
    bodyLinks: dependsOn.map((n) => ({ toRepo: project.name, toNumber: n })),
    statusLabels: "payload",
  });
  await tx
    .update(changeSetEntries)
    .set({ progress: sql`${changeSetEntries.progress} || '{"synced":true}'::jsonb` })
    .where(eq(changeSetEntries.id, entry.row.id));
}

async function syncEdit(tx: Tx, projectId: string, entry: Entry): Promise<void> {
  if (entry.state.kind !== "edit") return;
  const { title, body, issue } = entry.state;
  for (const table of [tasks, phases] as const) {
    const text =
      table === tasks
        ? { name: title === undefined ? undefined : sanitizeTitle(title), description: body === undefined ? undefined : sanitizeIssueText(body) }
        : { name: title === undefined ? undefined : sanitizeTitle(title), content: body === undefined ? undefined : sanitizeIssueText(body) };
    const set = Object.fromEntries(Object.entries(text).filter(([, v]) => v !== undefined));
    if (Object.keys(set).length > 0)
      await tx
        .update(table)
        .set(set)
        .where(and(eq(table.projectId, projectId), eq(table.issueNumber, issue)));
  }
  await tx
    .update(changeSetEntries)
    .set({ progress: sql`${changeSetEntries.progress} || '{"synced":true}'::jsonb` })
    .where(eq(changeSetEntries.id, entry.row.id));
}

/** Database ids of the existing issues the plan names by `#N` (for native dependencies). */
async function existingIssues(tx: Tx, projectId: string, entries: readonly Entry[]): Promise<Map<number, number>> {
  const numbers = new Set<number>();
  for (const e of entries) {
    if (e.state.kind !== "issue") continue;
    for (const ref of [...e.state.dependsOn, ...(e.state.parent ? [e.state.parent] : [])]) if ("number" in ref) numbers.add(ref.number);
  }
  const ids = new Map<number, number>();
  if (numbers.size === 0) return ids;
  for (const table of [tasks, phases] as const) {
    const rows = await tx
      .select({ n: table.issueNumber, id: table.issueId })
      .from(table)
      .where(and(eq(table.projectId, projectId), inArray(table.issueNumber, [...numbers])));
    for (const r of rows) if (r.n !== null && r.id !== null) ids.set(r.n, r.id);
  }
  return ids;
}
