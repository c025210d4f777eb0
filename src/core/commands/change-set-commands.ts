/**
 * `/cw apply <id>`, `/cw revert <id>` and `/cw revert` (the list), inside the slash command's
 * transaction (the project's lock is held). Writers only: the handler refuses anyone else. Said
 * on an issue in a milestone, they reach only that initiative's change sets.
 *
 * A revert undoes what the change set did, as intents: each created issue closed as "not
 * planned" (its task stopped first, its sub-issue link and native dependencies removed), each
 * edited issue given back the title, body and state it had, and the pages removed (or given
 * their earlier text) in one commit by the runner. What a person changed since is left as they
 * made it, and the reply says so: what the change set wrote (the created issue as GitHub
 * answered it, the edit's own text) is compared with the app's mirror of the issue now — title,
 * body and labels of a created issue (any change keeps it open), and each field an edit wrote
 * (a changed one is kept, the others restored). A change set is reverted once: the second time changes nothing.
 *
 * A change set that failed (`apply-change-sets.ts`) is reverted like an applied one, as far as it
 * got: its writes still waiting are withdrawn first, and what it created, linked, edited and
 * committed (pages written before it failed) is undone. While one of its writes is being made
 * that very moment, the revert waits for a second try (the write's outcome must be recorded for
 * the revert to see it).
 */
import { and, desc, eq, inArray } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { changeSetEntries, changeSets, initiatives, phases, tasks } from "../../db/schema.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import { CHANGE_SET_ID, oneLine, plannedIssueBody, plannedIssueMarker } from "../change-set-text.js";
import type { GitHubIntent } from "../intents.js";
import type { IssueFacts } from "../issue-facts.js";
import type { PlanRef } from "../plan-file.js";
import { ALL_STATUS_LABELS } from "../labels.js";
import { sanitizeIssueText } from "../sanitize.js";
import { sanitizeTitle } from "../sanitize-title.js";
import { commentIntent, findChangeSet, initiativeOf, loadEntries, pagesFolderOf, type ChangeSetRow, type Entry } from "./change-set-rows.js";
import { repoConfigOf, repoRefOf, type ProjectRow } from "./project-repo.js";
import { cancelEntryIntents, entryIntentsInFlight, recordIntents } from "./record-intents.js";
import { steerTask } from "./steer-task.js";

export async function applyCommand(tx: Tx, project: ProjectRow, issue: IssueFacts, id: string, by: string): Promise<string> {
  const cs = await lookUp(tx, project, issue, id, "apply");
  if (typeof cs === "string") return cs;
  switch (cs.status) {
    case "applying":
      return `Change set \`${cs.id}\` is already being applied: nothing more to do.`;
    case "applied":
      return `Change set \`${cs.id}\` is already applied: nothing changed.`;
    case "reverted":
    case "reverting":
      return `Change set \`${cs.id}\` was reverted: it cannot be applied any more. Run the planning agent again (\`/cw retry\` on #${cs.issueNumber}) for a new proposal.`;
    case "failed":
      return `Change set \`${cs.id}\` failed (its comment on #${cs.issueNumber} says why): it cannot be applied again. \`/cw revert ${cs.id}\` undoes what it made; run the planning agent again (\`/cw retry\` on #${cs.issueNumber}) for a new one.`;
  }
  const entries = await loadEntries(tx, cs.id);
  const hasPages = entries.some((e) => e.state.kind === "page");
  const [applying] = await tx
    .update(changeSets)
    .set({ status: "applying", appliedBy: by, pagesState: hasPages ? "write" : "none" })
    .where(and(eq(changeSets.id, cs.id), eq(changeSets.status, "proposed")))
    .returning();
  await recordIntents(tx, await comment(tx, project, applying!, entries));
  await markReconcileDue(tx, project.id);
  return `Applying change set \`${cs.id}\`: ${describeCounts(entries)}. Its comment on #${cs.issueNumber} lists each issue as it is created.`;
}

export async function revertCommand(tx: Tx, project: ProjectRow, issue: IssueFacts, id: string | undefined, by: string): Promise<string> {
  if (id === undefined) return listChangeSets(tx, project, issue);
  const cs = await lookUp(tx, project, issue, id, "revert");
  if (typeof cs === "string") return cs;
  switch (cs.status) {
    case "applying":
      return `Change set \`${cs.id}\` is still being applied (GitHub's limits pace its writes): revert it once its comment on #${cs.issueNumber} says it is applied.`;
    case "reverted":
    case "reverting":
      return `Change set \`${cs.id}\` is already reverted: nothing changed.`;
    case "proposed":
      await tx.update(changeSets).set({ status: "reverted", revertedAt: new Date() }).where(eq(changeSets.id, cs.id));
      return `Change set \`${cs.id}\` was only proposed, so nothing had been created: it is discarded, and \`/cw apply ${cs.id}\` no longer applies it.`;
  }

  const repo = repoRefOf(project);
  const triggerLabel = repoConfigOf(project).triggerLabel;
  const entries = await loadEntries(tx, cs.id);
  if (cs.status === "failed") {
    const entryIds = entries.map((e) => e.row.id);
    if (await entryIntentsInFlight(tx, entryIds)) {
      return `A write of change set \`${cs.id}\` is being made right now: say \`/cw revert ${cs.id}\` again in a minute, once its outcome is known.`;
    }
    await cancelEntryIntents(tx, entryIds);
  }
  const byKey = new Map(entries.map((e) => [e.row.key, e]));
  const numberOf = (ref: PlanRef) => ("number" in ref ? ref.number : (byKey.get(ref.key)?.row.issueNumber ?? null));
  const rows = await currentRows(tx, project.id, entries);
  const blockerIds = await issueIds(tx, project.id, entries);
  const intents: GitHubIntent[] = [];
  const undone: string[] = [];
  const notes: string[] = [];

  for (const entry of entries) {
    const { state, row, progress } = entry;
    if (state.kind === "issue" && row.issueNumber !== null && row.issueId !== null) {
      const n = row.issueNumber;
      const now = rows.get(n);
      // What the change set wrote: the issue as GitHub answered its creation.
      const wrote = progress.facts ?? {
        title: state.title,
        body: plannedIssueBody(
          state.body,
          state.dependsOn.map(numberOf).filter((x): x is number => x !== null),
          plannedIssueMarker(cs.id, row.key ?? row.id),
        ),
        labels: state.labels,
      };
      const changed = now ? changedSince(now, { title: wrote.title, body: wrote.body ?? "", labels: wrote.labels }, triggerLabel) : [];
      if (changed.length > 0) {
        notes.push(`#${n}: its ${listed(changed)} ${wasOrWere(changed)} changed by a person since it was created, so it is left as they made it`);
        continue;
      }
      if (now?.task && !["completed", "cancelled", "failed"].includes(now.task.status)) await steerTask(tx, now.task, "stop", by);
      intents.push({ kind: "edit-issue", repo, issueNumber: n, state: "closed", stateReason: "not_planned", entryId: row.id, done: "closed" });
      const parent = state.parent ? numberOf(state.parent) : null;
      if (parent !== null && progress.linked)
        intents.push({ kind: "sub-issue", repo, parentNumber: parent, childNumber: n, childId: row.issueId, add: false, entryId: row.id });
      for (const blocker of progress.blockedBy ?? []) {
        const blockerId = blockerIds.get(blocker);
        if (blockerId !== undefined)
          intents.push({ kind: "issue-dependency", repo, issueNumber: n, blockerNumber: blocker, blockerId, add: false, entryId: row.id });
      }
      undone.push(`#${n} ${oneLine(state.title)}: closed as not planned${now?.task && now.task.status === "in_progress" ? " (its agent was stopped)" : ""}`);
    } else if (state.kind === "edit" && progress.edited && row.previousState) {
      const previous = JSON.parse(row.previousState) as { title: string; body: string | null; state: string };
      const now = rows.get(state.issue);
      // Each field the change set wrote is restored, unless a person has changed it since.
      const kept = now ? changedSince(now, { title: state.title, body: state.body }, triggerLabel) : [];
      if (kept.length > 0)
        notes.push(`#${state.issue}: its ${listed(kept)} ${wasOrWere(kept)} edited by a person since the change set edited it: their edit is kept`);
      const restore = {
        ...(state.title !== undefined && !kept.includes("title") ? { title: previous.title } : {}),
        ...(state.body !== undefined && !kept.includes("body") ? { body: previous.body ?? "" } : {}),
        ...(state.close && previous.state === "open" ? { state: "open" as const } : {}),
      };
      const restored = [restore.title !== undefined ? "title" : "", restore.body !== undefined ? "body" : "", restore.state ? "state" : ""].filter(Boolean);
      if (restored.length === 0) continue;
      intents.push({ kind: "edit-issue", repo, issueNumber: state.issue, ...restore, entryId: row.id, done: "restored" });
      undone.push(`#${state.issue}: its ${listed(restored)} restored`);
    }
  }
  const pageEntries = entries.filter((e) => e.state.kind === "page");
  const pageCount = `${pageEntries.length} page${pageEntries.length === 1 ? "" : "s"}`;
  // Only pages it wrote are taken back: none are owed here (an applying change set is not reverted,
  // a failed one had those withdrawn), and pages given up (`failed`) were never there.
  const pagesState = cs.pagesState === "written" ? "remove" : cs.pagesState === "failed" ? "none" : cs.pagesState;
  if (cs.pagesState === "written") undone.push(`${pageCount} removed from the initiative branch in one commit`);
  const neverCreated = entries.filter((e) => e.state.kind === "issue" && e.row.issueNumber === null).length;
  if (cs.status === "failed" && neverCreated > 0)
    undone.push(`${neverCreated} planned issue${neverCreated === 1 ? " was" : "s were"} never created: nothing to undo there`);

  const [reverted] = await tx
    .update(changeSets)
    .set({ status: "reverted", revertedAt: new Date(), revertNotes: notes, pagesState })
    .where(eq(changeSets.id, cs.id))
    .returning();
  intents.push(...(await comment(tx, project, reverted!, entries)));
  await recordIntents(tx, intents);
  await markReconcileDue(tx, project.id);
  const lines = [`Reverting change set \`${cs.id}\`:`, ...undone.map((u) => `- ${u}`)];
  if (undone.length === 0) lines.push("- nothing of it was left to undo");
  if (notes.length > 0) lines.push("", "Not undone:", ...notes.map((n) => `- ${n}`));
  return lines.join("\n");
}

/**
 * The change set an id names, if the command may touch it from this issue: an issue in a
 * milestone reaches only its own initiative's change sets (an issue in no milestone, such as a
 * planning issue whose milestone was deleted, reaches any).
 */
async function lookUp(tx: Tx, project: ProjectRow, issue: IssueFacts, id: string, verb: "apply" | "revert"): Promise<ChangeSetRow | string> {
  const shown = id.replace(/[^\w-]/g, "").slice(0, 40);
  if (!CHANGE_SET_ID.test(id)) return `\`${shown}\` is not a change-set id (they look like \`cs-1a2b3c4d\`). \`/cw revert\` alone lists them.`;
  const cs = await findChangeSet(tx, project.id, id);
  if (!cs) return `There is no change set \`${shown}\` in this repository. \`/cw revert\` alone lists them.`;
  if (issue.milestone) {
    const initiative = await initiativeOf(tx, cs.initiativeId);
    if (initiative.milestoneNumber !== issue.milestone.number) {
      return [
        `Change set \`${cs.id}\` belongs to ${initiative.milestoneNumber === null ? "an initiative whose milestone was deleted" : `the milestone "${oneLine(initiative.name)}"`}, not to this issue's milestone "${sanitizeTitle(issue.milestone.title)}": nothing changed.`,
        `Say \`/cw ${verb} ${cs.id}\` on its planning issue${cs.issueNumber !== null ? `, #${cs.issueNumber}` : ""}. \`/cw revert\` alone lists this milestone's change sets.`,
      ].join(" ");
    }
  }
  return cs;
}

/** `/cw revert` alone: the change sets of the issue's milestone (or, on an issue in no milestone, of the repository). */
async function listChangeSets(tx: Tx, project: ProjectRow, issue: IssueFacts): Promise<string> {
  const scope = issue.milestone
    ? and(eq(changeSets.projectId, project.id), eq(initiatives.milestoneNumber, issue.milestone.number))
    : eq(changeSets.projectId, project.id);
  const here = await tx
    .select({ cs: changeSets, milestone: initiatives.name })
    .from(changeSets)
    .innerJoin(initiatives, eq(initiatives.id, changeSets.initiativeId))
    .where(scope)
    .orderBy(desc(changeSets.createdAt))
    .limit(30);
  const where = issue.milestone ? `the milestone "${sanitizeTitle(issue.milestone.title)}"` : "this repository";
  if (here.length === 0) return `There are no change sets in ${where} yet.`;
  const counts = await tx
    .select({ id: changeSetEntries.changeSetId, n: changeSetEntries.id })
    .from(changeSetEntries)
    .where(
      inArray(
        changeSetEntries.changeSetId,
        here.map((r) => r.cs.id),
      ),
    );
  const size = (id: string) => counts.filter((c) => c.id === id).length;
  return [
    `Change sets of ${where} (newest first); \`/cw revert <id>\` undoes one:`,
    ...here.map(
      ({ cs: r, milestone }) =>
        `- \`${r.id}\` — ${r.mode} by \`${r.agentName}\` on #${r.issueNumber}${issue.milestone ? "" : ` (${oneLine(milestone)})`}: ${r.status}, ${size(r.id)} change${size(r.id) === 1 ? "" : "s"}`,
    ),
  ].join("\n");
}

async function comment(tx: Tx, project: ProjectRow, cs: ChangeSetRow, entries: readonly Entry[]): Promise<GitHubIntent[]> {
  const initiative = await initiativeOf(tx, cs.initiativeId);
  return commentIntent(repoRefOf(project), cs, entries, pagesFolderOf(repoConfigOf(project), initiative), initiative.branch);
}

type TaskRow = typeof tasks.$inferSelect;

/** An issue as the app's mirror has it now (its task or phase row): title, sanitized body, labels. */
interface IssueNow {
  name: string;
  description: string | null;
  labels: string[];
  task?: TaskRow;
}

/** The created or edited issues' task or phase rows, as the app knows them now. */
async function currentRows(tx: Tx, projectId: string, entries: readonly Entry[]): Promise<Map<number, IssueNow>> {
  const numbers = entries.flatMap((e) => (e.state.kind === "edit" ? [e.state.issue] : e.row.issueNumber !== null ? [e.row.issueNumber] : []));
  const out = new Map<number, IssueNow>();
  if (numbers.length === 0) return out;
  for (const p of await tx
    .select()
    .from(phases)
    .where(and(eq(phases.projectId, projectId), inArray(phases.issueNumber, numbers)))) {
    out.set(p.issueNumber!, { name: p.name, description: p.content, labels: p.labels });
  }
  for (const t of await tx
    .select()
    .from(tasks)
    .where(and(eq(tasks.projectId, projectId), inArray(tasks.issueNumber, numbers)))) {
    out.set(t.issueNumber!, { name: t.name, description: t.description, labels: t.labels, task: t });
  }
  return out;
}

type Field = "title" | "body" | "labels";

/**
 * The fields of what the change set wrote (those given) that the issue no longer has: a person
 * changed them since. Bodies are compared as the mirror keeps them (sanitized); labels without
 * those the app sets itself (status labels, the trigger label).
 */
function changedSince(
  now: IssueNow,
  wrote: { title?: string | undefined; body?: string | undefined; labels?: readonly string[] },
  triggerLabel: string,
): Field[] {
  const theirs = (labels: readonly string[]) =>
    [...new Set(labels.filter((l) => l !== triggerLabel && !(ALL_STATUS_LABELS as readonly string[]).includes(l)))].sort().join("\n");
  const changed: Field[] = [];
  // Names are kept as sanitizeTitle makes them (one line, nothing hidden): compare like with like.
  if (wrote.title !== undefined && now.name !== sanitizeTitle(wrote.title)) changed.push("title");
  if (wrote.body !== undefined && now.description !== null && now.description !== sanitizeIssueText(wrote.body)) changed.push("body");
  if (wrote.labels !== undefined && theirs(now.labels) !== theirs(wrote.labels)) changed.push("labels");
  return changed;
}

/** "its title was", "its labels were", "its title and body were". */
function wasOrWere(fields: readonly Field[]): string {
  return fields.length === 1 && fields[0] !== "labels" ? "was" : "were";
}

/** "title", "title and body", "title, body and labels". */
function listed(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/** Database ids of every issue the change set created or named, for removing native dependencies. */
async function issueIds(tx: Tx, projectId: string, entries: readonly Entry[]): Promise<Map<number, number>> {
  const ids = new Map<number, number>();
  for (const e of entries) if (e.row.issueNumber !== null && e.row.issueId !== null) ids.set(e.row.issueNumber, e.row.issueId);
  for (const table of [tasks, phases] as const) {
    for (const r of await tx.select({ n: table.issueNumber, id: table.issueId }).from(table).where(eq(table.projectId, projectId))) {
      if (r.n !== null && r.id !== null && !ids.has(r.n)) ids.set(r.n, r.id);
    }
  }
  return ids;
}

function describeCounts(entries: readonly Entry[]): string {
  const issues = entries.filter((e) => e.state.kind === "issue").length;
  const edits = entries.filter((e) => e.state.kind === "edit").length;
  const pages = entries.filter((e) => e.state.kind === "page").length;
  return `${issues} issue${issues === 1 ? "" : "s"} to create, ${edits} to edit, ${pages} page${pages === 1 ? "" : "s"}`;
}
