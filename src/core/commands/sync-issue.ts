/**
 * An issue as GitHub shows it now → its phase, its task, its links, and the statuses of every
 * task it may block. Every `issues` event ends here, whatever its action and order: the payload
 * carries the whole issue, so applying it converges on the same state.
 */
import { randomUUID } from "node:crypto";
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { PgInsertValue } from "drizzle-orm/pg-core";
import type { Db, DbOrTx, Tx } from "../../db/client.js";
import { issueLinks, phases, tasks } from "../../db/schema.js";
import { statement, columnValue } from "../../db/prepared.js";
import { ALL_STATUS_LABELS, PHASE_LABEL } from "../labels.js";
import type { IssueFacts } from "../issue-facts.js";
import { taskAttributesOf } from "../issue-facts.js";
import type { RepoConfig } from "../repo-config.js";
import { effectiveSettings, type MilestoneSettings } from "../repo-config.js";
import { sanitizeIssueText } from "../sanitize.js";
import { sanitizeTitle } from "../sanitize-title.js";
import type { TaskStatus } from "../statuses.js";
import { taskTransition } from "../transitions.js";
import { actionDoneText, actionSummary } from "../checkpoint-comments.js";
import { issueChangeEffect } from "../issue-change.js";
import { noteOnCheckpoint } from "./settle-checkpoint.js";
import { markLinkTargets, parentOf, replaceBodyLinks, type BodyRef } from "../../db/issue-links.js";
import type { ProjectRow } from "./project-repo.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import { sendWithoutWaiting } from "../../db/held-lock.js";
import { projectTransaction } from "./project-transaction.js";
import { markOthersDue } from "./mark-others-due.js";
import { upsertInitiative, type InitiativeMirror } from "./sync-initiative.js";
import { storedIssue } from "./stored-issue.js";
import { trustedText } from "./trusted-text.js";

export type TaskRow = typeof tasks.$inferSelect;

/** What a sync returns of the task it created or updated. */
const TASK_REF = { id: tasks.id, projectId: tasks.projectId, issueNumber: tasks.issueNumber };
export type TaskRef = Pick<TaskRow, keyof typeof TASK_REF>;

export interface SyncIssueInput {
  project: ProjectRow;
  issue: IssueFacts;
  config: RepoConfig;
  /** Login of a writer who asked for the task just now (label, `/cw run`, reopen), else null. */
  startedBy: string | null;
  /** Someone took the trigger label off just now: the task stops being scheduled. */
  stopRequested: boolean;
  /**
   * The issue's text (title and body) may be stored for agents: a writer started it, made it a
   * phase, or edited it. Otherwise a task keeps the text it had; a new phase gets none.
   * "if-task": a writer edited it, which counts if the issue is a task (the sync reads whether
   * it is with the rest, under the project's lock).
   */
  trustBody: boolean | "if-task";
  /**
   * A writer edited the issue's text (it is remembered even when the issue is no task yet: a
   * start delivered after the edit then uses it).
   */
  writerEdit?: boolean;
  /** The issues the body's dependency lines name, stored if the text is trusted; null leaves body links as they are. */
  bodyLinks: readonly BodyRef[] | null;
  /** Who made this change, when known (named when it completes a human action). */
  actor?: string | null;
  /**
   * Where the issue's status labels come from. Status labels are the app's: what is stored of
   * them follows the app's own writes (GitHub's answers), so a webhook's snapshot, which may be
   * older than the app's last write (its own echo, delivered late), never rolls them back.
   * "stored" (default): kept as stored; `{ person }`: a person added or removed one (applied to
   * what is stored); "payload": the labels were just read from GitHub (the periodic read).
   */
  statusLabels?: "stored" | "payload" | { added?: string; removed?: string };
}

export interface SyncIssueResult {
  task: TaskRef | undefined;
  /** The task was created, or started again, by this sync. */
  started: boolean;
  /** Other projects whose tasks wait on this issue: the caller reconciles them in their own turn. */
  affectedProjects: string[];
}

export async function syncIssue(db: Db, input: SyncIssueInput): Promise<SyncIssueResult> {
  const result = await projectTransaction(db, input.project.id, (tx) => syncIssueIn(tx, input));
  await markOthersDue(db, result.affectedProjects, input.project.id);
  return result;
}

export async function syncIssueIn(tx: Tx, received: SyncIssueInput): Promise<SyncIssueResult> {
  const { project, issue } = received;
  // What is stored about the issue is read first, in one statement (stored-issue.ts), which
  // depends on none of the writes below (they touch the issue's own initiative, phase and task,
  // and its phase's sub-issues, never its parent). The trusted text is recorded in the same
  // round trip: nothing read here is a text, and only the text (not the number or milestone)
  // can differ after it. Whether a writer's edit is trusted ("if-task") is known once the task
  // is read. A sub-issue's parent is read after, in a round trip of its own.
  const [withText, stored] = await Promise.all([
    received.trustBody !== false || received.writerEdit ? withTrustedText(tx, received) : received,
    storedIssue(tx, project, { number: issue.number, state: issue.state, milestoneNumber: issue.milestone?.number }),
  ]);
  const { initiative: knownInitiative, phase: knownPhase, task: knownTask } = stored;
  const input = { ...withText, trustBody: withText.trustBody === "if-task" ? knownTask !== undefined : withText.trustBody };
  const parent = await parentRefs(tx, project, stored.parentNumber);
  const initiative = issue.milestone ? await upsertInitiative(tx, project, issue.milestone, { existing: knownInitiative }) : undefined;
  await syncPhase(tx, project, input.issue, initiative, input.trustBody, knownPhase, input.statusLabels);

  // The body's links and the reconcile owed are written with the task: nothing read above is a
  // body link, and the mark counts only once all of it commits.
  const { outcome, sent } = await syncTask(tx, input, initiative, knownTask, parent);
  const written = Promise.all([
    sent,
    input.trustBody && input.bodyLinks ? replaceBodyLinks(tx, project, issue.number, input.bodyLinks) : undefined,
    markReconcileDue(tx, project.id),
  ]);
  if (!stored.linksBehind) {
    // Nothing waits for the answers: in a batch, they come with the next delivery's (held-lock.ts).
    await sendWithoutWaiting(tx, written);
    return { ...outcome, affectedProjects: [] };
  }
  // Tasks here and in other repositories wait on this issue, and a link to it is behind its
  // state (read with the rest): the links learn it, and the projects they belong to are told.
  const [affected] = await Promise.all([markLinkTargets(tx, project.name, issue.number, issue.state), written]);
  return { ...outcome, affectedProjects: affected.filter((id) => id !== project.id) };
}

/** The input with the newest text a writer stood behind, which may be newer than this delivery's. */
async function withTrustedText(tx: Tx, input: SyncIssueInput): Promise<SyncIssueInput> {
  const text = await trustedText(tx, input.project.id, input.issue);
  return { ...input, issue: { ...input.issue, ...text } };
}

async function syncPhase(
  tx: DbOrTx,
  project: ProjectRow,
  issue: IssueFacts,
  initiative: InitiativeMirror | undefined,
  trustBody: boolean,
  existing: { id: string; labels: string[] } | undefined,
  statusLabels: SyncIssueInput["statusLabels"],
): Promise<void> {
  const isPhase = issue.labels.includes(PHASE_LABEL) && initiative !== undefined;
  if (!isPhase) {
    if (existing) {
      // Not a phase any more: its tasks carry on without it (deleting would cascade to them).
      await tx.update(tasks).set({ phaseId: null }).where(eq(tasks.phaseId, existing.id));
      await tx.delete(phases).where(eq(phases.id, existing.id));
    }
    return;
  }
  const values = {
    initiativeId: initiative.id,
    ...(trustBody || !existing ? { name: sanitizeTitle(issue.title) } : {}),
    issueId: issue.id,
    issueNodeId: issue.nodeId,
    issueState: issue.state,
    labels: labelsToStore(issue.labels, existing?.labels, statusLabels),
    ...(trustBody ? { content: sanitizeIssueText(issue.body) } : existing ? {} : { content: "" }),
  };
  if (existing) {
    await tx.update(phases).set(values).where(eq(phases.id, existing.id));
  } else {
    const [phase] = await tx
      .insert(phases)
      .values({ ...values, name: sanitizeTitle(issue.title), projectId: project.id, issueNumber: issue.number })
      .returning();
    // Sub-issues recorded before this issue became a phase now belong to it.
    const children = await childNumbers(tx, project, issue.number);
    for (const n of children) {
      await tx
        .update(tasks)
        .set({ phaseId: phase!.id, parentTaskId: null })
        .where(and(eq(tasks.projectId, project.id), eq(tasks.issueNumber, n)));
    }
  }
}

/**
 * What a sync did to the task (`outcome`, known without the write's answer), and the write:
 * every statement of it sent by the time syncTask resolves, with nothing left to run after.
 */
interface TaskWrite {
  outcome: Omit<SyncIssueResult, "affectedProjects">;
  sent: Promise<unknown>;
}

async function syncTask(
  tx: Tx,
  input: SyncIssueInput,
  initiative: InitiativeMirror | undefined,
  existing: Pick<TaskRow, "id" | "status" | "labels"> | undefined,
  parent: ParentOf,
): Promise<TaskWrite> {
  const { project, issue, config } = input;
  // Whether the trigger label is on the issue is the handler's concern (it decides startedBy
  // and stopRequested from the event); `/cw run` starts a task without the label.
  if (!existing && !(input.startedBy && issue.state === "open" && !issue.isPullRequest)) {
    return { outcome: { task: undefined, started: false }, sent: Promise.resolve() };
  }

  const attributes = taskAttributesOf(issue.labels);
  // A title or body edited by someone without write access never reaches task.md, the branch or the PR.
  const text = input.trustBody || !existing ? { name: sanitizeTitle(issue.title), description: sanitizeIssueText(issue.body) } : {};
  const mirrored = {
    ...attributes,
    initiativeId: initiative?.id ?? null,
    phaseId: parent.phaseId,
    parentTaskId: parent.parentTaskId,
    issueId: issue.id,
    issueNodeId: issue.nodeId,
    issueState: issue.state,
    labels: labelsToStore(issue.labels, existing?.labels, input.statusLabels),
    ...text,
  };

  if (!existing) {
    // Its id is made here, so that what the sync returns is known without the insert's answer.
    const task: TaskRef = { id: randomUUID(), projectId: project.id, issueNumber: issue.number };
    const sent = insertTask(tx, {
      ...mirrored,
      ...task,
      name: sanitizeTitle(issue.title),
      description: sanitizeIssueText(issue.body),
      status: startStatus(config, initiative),
      triggeredBy: input.startedBy,
    });
    return { outcome: { task, started: true }, sent };
  }

  // Unlabelled or closed: no longer scheduled (a finished task stays finished), except a human
  // action, whose closing is how its person says it is done. Asked for again: scheduled again.
  const effect = issueChangeEffect(
    { status: existing.status, type: attributes.type },
    { state: issue.state, stateReason: issue.stateReason, stopRequested: input.stopRequested, startRequested: input.startedBy !== null },
  );
  const status: TaskStatus = {
    keep: existing.status,
    cancel: "cancelled" as const,
    complete: "completed" as const,
    // A done task asked for again was approved once already: it does not wait for approval again.
    restart: existing.status === "completed" ? ("pending" as const) : startStatus(config, initiative),
  }[effect];
  const started = effect === "restart";
  if (status !== existing.status) taskTransition(existing.status, status);
  if (!started && effect !== "complete") {
    // The common case (an edit, a label): the mirrored columns and the status, built once.
    const update = "description" in mirrored ? updateMirroredWithText : updateMirrored;
    const sent = update(tx, { ...mirrored, status, updatedAt: new Date(), id: existing.id });
    return { outcome: { task: { id: existing.id, projectId: project.id, issueNumber: issue.number }, started }, sent };
  }
  const [task] = await tx
    .update(tasks)
    .set({
      ...mirrored,
      status,
      ...(started ? { triggeredBy: input.startedBy, retryCount: 0, lastError: null, blockedReason: null, summary: null } : {}),
      ...(effect === "complete" ? { summary: actionSummary(input.actor ?? null) } : {}),
    })
    .where(eq(tasks.id, existing.id))
    .returning(TASK_REF);
  if (effect === "complete") await noteOnCheckpoint(tx, task!, actionDoneText(input.actor ?? null));
  return { outcome: { task, started }, sent: Promise.resolve() };
}

/**
 * The columns a sync mirrors from the issue onto an existing task, and its status. The issue's
 * text (title and body) is written only when a writer stands behind it (`sync_task_text`).
 */
const MIRRORED_COLUMNS = [
  "category",
  "type",
  "priority",
  "initiativeId",
  "phaseId",
  "parentTaskId",
  "issueId",
  "issueNodeId",
  "issueState",
  "labels",
  "status",
  "updatedAt",
] as const;

type MirroredUpdate = Pick<TaskRow, (typeof MIRRORED_COLUMNS)[number] | "id"> & Partial<Pick<TaskRow, "name" | "description">>;

/** Built once (see db/prepared.ts): most issue events update a task this way. */
function mirroredUpdate(name: string, columns: readonly (keyof TaskRow & keyof typeof tasks._.columns)[]) {
  return statement<MirroredUpdate, unknown>(name, (db) =>
    db
      .update(tasks)
      .set(Object.fromEntries(columns.map((c) => [c, columnValue(c, tasks[c])])))
      .where(eq(tasks.id, sql.placeholder("id"))),
  );
}
const updateMirrored = mirroredUpdate("sync_task", MIRRORED_COLUMNS);

/** What a new task is given; every other column takes its default. */
const NEW_TASK_COLUMNS = [
  ...MIRRORED_COLUMNS.filter((c) => c !== "updatedAt"),
  "id",
  "projectId",
  "issueNumber",
  "name",
  "description",
  "triggeredBy",
] as const;

/**
 * Built once (see db/prepared.ts): a task has some sixty columns, and building the insert was
 * the dearest query an issue event built. No column of tasks takes a value drizzle makes (the
 * id is given), so none is frozen into the statement.
 */
const insertTask = statement<Pick<TaskRow, (typeof NEW_TASK_COLUMNS)[number]>, unknown>("new_task", (db) =>
  db.insert(tasks).values(Object.fromEntries(NEW_TASK_COLUMNS.map((c) => [c, columnValue(c, tasks[c])])) as Record<string, SQL> as PgInsertValue<typeof tasks>),
);
const updateMirroredWithText = mirroredUpdate("sync_task_text", [...MIRRORED_COLUMNS, "name", "description"]);

/** A new task waits for `/cw approve` when the milestone or the repository asks for approval. */
export function startStatus(config: RepoConfig, initiative: Pick<InitiativeMirror, "settings"> | undefined): TaskStatus {
  const milestone = (initiative?.settings ?? {}) as MilestoneSettings;
  const settings = effectiveSettings(config, milestone);
  return settings.approvalRequired ? "pending_approval" : "pending";
}

interface ParentOf {
  phaseId: string | null;
  parentTaskId: string | null;
}

async function resolveParent(tx: DbOrTx, project: ProjectRow, issueNumber: number): Promise<ParentOf> {
  return parentRefs(tx, project, await parentOf(tx, project.id, project.name, issueNumber));
}

/** The phase, or the task and its phase, of a parent issue (none: no parent). */
async function parentRefs(tx: DbOrTx, project: ProjectRow, parentNumber: number | null): Promise<ParentOf> {
  if (parentNumber === null) return { phaseId: null, parentTaskId: null };
  const [phase] = await tx
    .select({ id: phases.id })
    .from(phases)
    .where(and(eq(phases.projectId, project.id), eq(phases.issueNumber, parentNumber)));
  if (phase) return { phaseId: phase.id, parentTaskId: null };
  const [parent] = await tx
    .select({ id: tasks.id, phaseId: tasks.phaseId })
    .from(tasks)
    .where(and(eq(tasks.projectId, project.id), eq(tasks.issueNumber, parentNumber)));
  // A sub-task of a task belongs to the same phase as its parent.
  return parent ? { phaseId: parent.phaseId, parentTaskId: parent.id } : { phaseId: null, parentTaskId: null };
}

async function childNumbers(tx: DbOrTx, project: ProjectRow, parentNumber: number): Promise<number[]> {
  const rows = await tx
    .select({ n: issueLinks.toNumber })
    .from(issueLinks)
    .where(and(eq(issueLinks.projectId, project.id), eq(issueLinks.kind, "sub_issue"), eq(issueLinks.fromNumber, parentNumber)));
  return rows.map((r) => r.n);
}

/** Re-derives a task's phase or parent task after a sub-issue link changed. */
export async function refreshParent(tx: Tx, project: ProjectRow, childNumber: number): Promise<void> {
  const parent = await resolveParent(tx, project, childNumber);
  await tx
    .update(tasks)
    .set(parent)
    .where(and(eq(tasks.projectId, project.id), eq(tasks.issueNumber, childNumber)));
  await markReconcileDue(tx, project.id);
}

/** The labels to store: the payload's own labels, and the status labels as `source` says (see SyncIssueInput). */
export function labelsToStore(payload: readonly string[], stored: readonly string[] | undefined, source: SyncIssueInput["statusLabels"] = "stored"): string[] {
  const isStatus = (l: string) => (ALL_STATUS_LABELS as readonly string[]).includes(l);
  if (stored === undefined || source === "payload") return [...payload];
  let status = stored.filter(isStatus);
  if (typeof source === "object") {
    if (source.removed) status = status.filter((l) => l !== source.removed);
    if (source.added && isStatus(source.added) && !status.includes(source.added)) status = [...status, source.added];
  }
  return [...payload.filter((l) => !isStatus(l)), ...status];
}
