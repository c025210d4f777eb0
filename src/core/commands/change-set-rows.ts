/**
 * Reading a change set back: its row, its entries with their planned state and progress, and
 * the view its one comment is rendered from. Shared by recording, applying and reverting.
 */
import { and, asc, eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { changeSetEntries, changeSets, initiatives } from "../../db/schema.js";
import { effectiveSettings, type MilestoneSettings, type RepoConfig } from "../repo-config.js";
import { slugify } from "../branch-names.js";
import { changeSetCommentMarker, describeChangeSet, type ChangeSetView, type EntryState } from "../change-set-text.js";
import type { GitHubIntent, RepoRef } from "../intents.js";
import type { IssueFacts } from "../issue-facts.js";

export type ChangeSetRow = typeof changeSets.$inferSelect;
export type EntryRow = typeof changeSetEntries.$inferSelect;

/** What GitHub has of an entry so far (written by the operations in github/operations/planned-issues.ts). */
export interface EntryProgress {
  created?: boolean;
  facts?: IssueFacts;
  /** The created issue's task or phase row exists. */
  synced?: boolean;
  linked?: boolean;
  blockedBy?: number[];
  unblocked?: number[];
  edited?: boolean;
  restored?: boolean;
  closed?: boolean;
  /** GitHub refused a write of it for good (the outbox's dead letter): what it answered. */
  failed?: string;
}

export interface Entry {
  row: EntryRow;
  state: EntryState;
  progress: EntryProgress;
}

export async function loadEntries(tx: DbOrTx, changeSetId: string): Promise<Entry[]> {
  const rows = await tx.select().from(changeSetEntries).where(eq(changeSetEntries.changeSetId, changeSetId)).orderBy(asc(changeSetEntries.sortOrder));
  return rows.map((row) => ({ row, state: JSON.parse(row.newState ?? "{}") as EntryState, progress: row.progress as EntryProgress }));
}

export async function findChangeSet(tx: DbOrTx, projectId: string, id: string): Promise<ChangeSetRow | undefined> {
  const [row] = await tx
    .select()
    .from(changeSets)
    .where(and(eq(changeSets.projectId, projectId), eq(changeSets.id, id)));
  return row;
}

export interface InitiativeOfSet {
  id: string;
  name: string;
  branch: string | null;
  milestoneNumber: number | null;
  settings: Record<string, unknown>;
}

export async function initiativeOf(tx: DbOrTx, initiativeId: string): Promise<InitiativeOfSet> {
  const [row] = await tx
    .select({
      id: initiatives.id,
      name: initiatives.name,
      branch: initiatives.branch,
      milestoneNumber: initiatives.milestoneNumber,
      settings: initiatives.settings,
    })
    .from(initiatives)
    .where(eq(initiatives.id, initiativeId));
  if (!row) throw new Error(`initiative ${initiativeId} is gone`);
  return row;
}

/** The initiative's settings: the repository's config with the milestone's block on top. */
export function settingsOf(config: RepoConfig, initiative: InitiativeOfSet): RepoConfig {
  return effectiveSettings(config, initiative.settings as MilestoneSettings);
}

/** `docs/initiatives/<initiative-slug>`: where the initiative's pages live on its branch. */
export function pagesFolderOf(config: RepoConfig, initiative: InitiativeOfSet): string {
  const slug = initiative.branch ? initiative.branch.replace(/^cw\//, "") : slugify(initiative.name);
  return `${settingsOf(config, initiative).pagesDir}/${slug}`;
}

export function viewOf(cs: ChangeSetRow, entries: readonly Entry[], folder: string, branch: string | null): ChangeSetView {
  const keyOf = (ref: { key: string } | { number: number } | null) => (ref && "key" in ref ? ref.key : null);
  const issues: ChangeSetView["issues"] = [];
  const edits: ChangeSetView["edits"] = [];
  const pages: ChangeSetView["pages"] = [];
  for (const e of entries) {
    const s = e.state;
    if (s.kind === "issue") {
      issues.push({
        key: e.row.key ?? "",
        role: s.role,
        title: s.title,
        number: e.row.issueNumber,
        parentKey: keyOf(s.parent),
        dependsOn: s.dependsOn.map(keyOf).filter((k): k is string => k !== null),
      });
    } else if (s.kind === "edit") {
      edits.push({ issue: s.issue, title: s.title ?? null, close: s.close, done: Boolean(e.progress.edited) });
    } else {
      pages.push({ path: s.path, title: s.title });
    }
  }
  return {
    id: cs.id,
    mode: cs.mode,
    status: cs.status,
    agentName: cs.agentName,
    summary: cs.summary ?? "",
    issues,
    edits,
    pages,
    pagesFolder: folder,
    branch,
    revertNotes: cs.revertNotes,
    failure: cs.failure,
  };
}

/** The change set's one comment on its planning issue, as it stands. */
export function commentIntent(repo: RepoRef, cs: ChangeSetRow, entries: readonly Entry[], folder: string, branch: string | null): GitHubIntent[] {
  if (cs.issueNumber === null) return [];
  return [
    {
      kind: "upsert-comment",
      repo,
      issueNumber: cs.issueNumber,
      marker: changeSetCommentMarker(cs.id),
      body: describeChangeSet(viewOf(cs, entries, folder, branch)),
    },
  ];
}
