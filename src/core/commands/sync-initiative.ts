/**
 * Milestone → initiative. The milestone's title, description and settings block are mirrored;
 * open is active, closed is completed; a deleted milestone archives its initiative and its
 * tasks carry on as standalone tasks (their issues still exist and still ask to be run).
 */
import { sanitizeIssueText } from "../sanitize.js";
import { sanitizeTitle } from "../sanitize-title.js";
import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { initiatives, tasks } from "../../db/schema.js";
import { columnValue, statement } from "../../db/prepared.js";
import { initiativeBranch } from "../branch-names.js";
import type { MilestoneFacts } from "../issue-facts.js";
import { parseMilestoneSettings } from "../repo-config.js";
import { initiativeTransition } from "../transitions.js";
import type { ProjectRow } from "./project-repo.js";
import { sameJson } from "../../lib/same-json.js";

export type InitiativeRow = typeof initiatives.$inferSelect;

/** What the milestone decides of its initiative, and its id: all that syncing reads or returns. */
export const MIRRORED = {
  id: initiatives.id,
  name: initiatives.name,
  description: initiatives.description,
  milestoneId: initiatives.milestoneId,
  milestoneNodeId: initiatives.milestoneNodeId,
  settings: initiatives.settings,
  settingsError: initiatives.settingsError,
  executionMode: initiatives.executionMode,
  mergeRequiresApproval: initiatives.mergeRequiresApproval,
  requiresApproval: initiatives.requiresApproval,
  status: initiatives.status,
};
export type InitiativeMirror = Pick<InitiativeRow, keyof typeof MIRRORED>;

/** The initiative of a milestone, if it has one. */
export function findInitiative(tx: DbOrTx, projectId: string, milestoneNumber: number): Promise<InitiativeMirror | undefined> {
  return selectInitiative(tx, { projectId, milestoneNumber }).then(([row]) => row);
}

// Runs on almost every issue event: built once (see db/prepared.ts).
const selectInitiative = statement<{ projectId: string; milestoneNumber: number }, InitiativeMirror[]>("find_initiative", (db) =>
  db
    .select(MIRRORED)
    .from(initiatives)
    .where(and(eq(initiatives.projectId, sql.placeholder("projectId")), eq(initiatives.milestoneNumber, sql.placeholder("milestoneNumber")))),
);

/**
 * `known.existing`: the initiative as the caller just read it in this transaction (with
 * findInitiative), which saves reading it again.
 */
export async function upsertInitiative(
  tx: DbOrTx,
  project: ProjectRow,
  milestone: MilestoneFacts,
  known?: { existing: InitiativeMirror | undefined },
): Promise<InitiativeMirror> {
  const { settings, error } = parseMilestoneSettings(milestone.description);
  const existing = known ? known.existing : await findInitiative(tx, project.id, milestone.number);
  const status = milestone.state === "closed" ? "completed" : "active";
  // Its title names the initiative's branch and pull request, and reaches agents: sanitized as issue titles are.
  const title = sanitizeTitle(milestone.title);
  const values = {
    name: title,
    // Agents read it as initiative.md: nothing hidden in it reaches them.
    description: sanitizeIssueText(milestone.description),
    milestoneId: milestone.id,
    milestoneNodeId: milestone.nodeId,
    settings: settings as Record<string, unknown>,
    settingsError: error ?? null,
    ...(settings.executionMode ? { executionMode: settings.executionMode } : {}),
    ...(settings.mergeRequiresApproval !== undefined ? { mergeRequiresApproval: settings.mergeRequiresApproval } : {}),
    requiresApproval: settings.approvalRequired ?? null,
  };
  if (existing) {
    const next = existing.status === status ? status : initiativeTransition(existing.status, status);
    // Most issue events carry a milestone that has not changed: no write for them.
    if (sameInitiative(existing, { ...values, status: next })) return existing;
    const [row] = await updateInitiative(tx, {
      ...values,
      executionMode: settings.executionMode ?? null,
      mergeRequiresApproval: settings.mergeRequiresApproval ?? null,
      status: next,
      updatedAt: new Date(),
      id: existing.id,
    });
    return row!;
  }
  const taken = await tx
    .select({ branch: initiatives.branch })
    .from(initiatives)
    .where(and(eq(initiatives.projectId, project.id), isNotNull(initiatives.branch)));
  const [row] = await tx
    .insert(initiatives)
    .values({
      ...values,
      projectId: project.id,
      milestoneNumber: milestone.number,
      status,
      branch: initiativeBranch(title, milestone.number, new Set(taken.map((t) => t.branch!))),
    })
    .onConflictDoNothing()
    .returning(MIRRORED);
  if (row) return row;
  // Another transaction created it first: take theirs.
  return upsertInitiative(tx, project, milestone);
}

/** The columns a milestone sets on its initiative; the settings block may set two more. */
const UPDATED = ["name", "description", "milestoneId", "milestoneNodeId", "settings", "settingsError", "requiresApproval", "status", "updatedAt"] as const;
type InitiativeUpdate = Pick<InitiativeRow, (typeof UPDATED)[number] | "id"> & {
  executionMode: InitiativeRow["executionMode"] | null;
  mergeRequiresApproval: boolean | null;
};

/** Null: the settings block does not say, and the column keeps what it has. */
function unlessSaid<K extends "executionMode" | "mergeRequiresApproval">(name: K) {
  return sql`coalesce(${columnValue(name, initiatives[name])}, ${initiatives[name]})`;
}

// Every milestone edit runs it: built once (see db/prepared.ts), as building it cost more than sending it.
const updateInitiative = statement<InitiativeUpdate, InitiativeMirror[]>("update_initiative", (db) =>
  db
    .update(initiatives)
    .set({
      ...Object.fromEntries(UPDATED.map((c) => [c, columnValue(c, initiatives[c])])),
      executionMode: unlessSaid("executionMode"),
      mergeRequiresApproval: unlessSaid("mergeRequiresApproval"),
    })
    .where(eq(initiatives.id, sql.placeholder("id")))
    .returning(MIRRORED),
);

function sameInitiative(existing: InitiativeMirror, wanted: Partial<InitiativeMirror>): boolean {
  return Object.entries(wanted).every(([key, value]) => {
    const have = existing[key as keyof InitiativeMirror];
    return typeof value === "object" && value !== null ? sameJson(have, value) : have === value;
  });
}

export async function archiveInitiative(tx: DbOrTx, project: ProjectRow, milestoneNumber: number): Promise<void> {
  const [existing] = await tx
    .select()
    .from(initiatives)
    .where(and(eq(initiatives.projectId, project.id), eq(initiatives.milestoneNumber, milestoneNumber)));
  if (!existing) return;
  if (existing.status !== "archived") initiativeTransition(existing.status, "archived");
  await tx.update(tasks).set({ initiativeId: null, phaseId: null }).where(eq(tasks.initiativeId, existing.id));
  // The number is free for GitHub to reuse; the archived initiative keeps its history.
  await tx.update(initiatives).set({ status: "archived", milestoneNumber: null }).where(eq(initiatives.id, existing.id));
}
