/**
 * The GitHub writes of a change set (core/commands/apply-change-sets.ts decides them):
 * - `create-planned-issue`: one POST, its labels and milestone in the same request. A retry
 *   (the first try may have landed with its answer lost, or the process died mid-request) first
 *   looks through the milestone's issues for the entry's hidden marker, so an issue is never
 *   created twice.
 * - `edit-issue`: a plan's edit (what the issue had is kept first, for a revert), a revert's
 *   restore, or a close as "not planned".
 * - `sub-issue`, `issue-dependency`: a link added or removed; "already there" and "already gone"
 *   are success.
 * Nothing is read back after a write: what GitHub answered is recorded on the entry.
 *
 * A write that applies a change set is made only while the change set is `applying`: one that
 * failed (or was reverted) meanwhile owes nothing more, and its revert must find everything it
 * made recorded. The revert's own writes (closing, unlinking, restoring) are always made.
 */
import type { Db } from "../../db/client.js";
import type { CreatePlannedIssueIntent, EditIssueIntent, IssueDependencyIntent, SubIssueIntent } from "../../core/intents.js";
import { issueFactsOf } from "../../core/issue-facts.js";
import type { AppOctokit } from "../octokit.js";
import { loadEntry, recordCreated, recordPrevious, recordStep, type EntryRow } from "../change-set-entry-store.js";

export async function createPlannedIssue(octokit: AppOctokit, intent: CreatePlannedIssueIntent, db: Db, o: { isRetry: boolean }): Promise<void> {
  const entry = await requireEntry(db, intent.entryId, { applying: true });
  if (entry === undefined || entry.issueNumber !== null) return;
  const { owner, repo } = intent.repo;
  if (o.isRetry) {
    const found = await findByMarker(octokit, intent);
    if (found) return recordCreated(db, entry, found);
  }
  const { data } = await octokit.rest.issues.create({
    owner,
    repo,
    title: intent.title,
    body: intent.body,
    labels: intent.labels,
    milestone: intent.milestone,
  });
  await recordCreated(db, entry, issueFactsOf(data as Parameters<typeof issueFactsOf>[0]));
}

async function findByMarker(octokit: AppOctokit, intent: CreatePlannedIssueIntent) {
  const { owner, repo } = intent.repo;
  const issues = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, milestone: String(intent.milestone), state: "all", per_page: 100 });
  const match = issues.find((i) => !i.pull_request && (i.body ?? "").includes(intent.marker));
  return match ? issueFactsOf(match as Parameters<typeof issueFactsOf>[0]) : undefined;
}

export async function editIssue(octokit: AppOctokit, intent: EditIssueIntent, db: Db): Promise<void> {
  const entry = await requireEntry(db, intent.entryId, { applying: intent.done === "edited" });
  if (entry === undefined) return;
  const { owner, repo } = intent.repo;
  if (intent.keepPrevious && entry.previousState === null) {
    const { data } = await octokit.rest.issues.get({ owner, repo, issue_number: intent.issueNumber });
    await recordPrevious(db, entry, { title: data.title, body: data.body ?? null, state: data.state });
  }
  await octokit.rest.issues.update({
    owner,
    repo,
    issue_number: intent.issueNumber,
    ...(intent.title !== undefined ? { title: intent.title } : {}),
    ...(intent.body !== undefined ? { body: intent.body } : {}),
    ...(intent.state !== undefined ? { state: intent.state } : {}),
    ...(intent.stateReason !== undefined ? { state_reason: intent.stateReason } : {}),
  });
  await recordStep(db, entry, { flag: intent.done, value: true });
}

export async function subIssue(octokit: AppOctokit, intent: SubIssueIntent, db: Db): Promise<void> {
  const entry = await requireEntry(db, intent.entryId, { applying: intent.add });
  if (entry === undefined) return;
  const { owner, repo } = intent.repo;
  if (intent.add) {
    await already(422, octokit.rest.issues.addSubIssue({ owner, repo, issue_number: intent.parentNumber, sub_issue_id: intent.childId }));
  } else {
    await already(404, octokit.rest.issues.removeSubIssue({ owner, repo, issue_number: intent.parentNumber, sub_issue_id: intent.childId }));
  }
  await recordStep(db, entry, { flag: "linked", value: intent.add });
}

export async function issueDependency(octokit: AppOctokit, intent: IssueDependencyIntent, db: Db): Promise<void> {
  const entry = await requireEntry(db, intent.entryId, { applying: intent.add });
  if (entry === undefined) return;
  const { owner, repo } = intent.repo;
  if (intent.add) {
    await already(422, octokit.rest.issues.addBlockedByDependency({ owner, repo, issue_number: intent.issueNumber, issue_id: intent.blockerId }));
  } else {
    await already(404, octokit.rest.issues.removeDependencyBlockedBy({ owner, repo, issue_number: intent.issueNumber, issue_id: intent.blockerId }));
  }
  await recordStep(db, entry, { list: intent.add ? "blockedBy" : "unblocked", add: intent.blockerNumber });
}

/** A change set that was deleted meanwhile owes nothing; one no longer applying owes nothing of its applying. */
async function requireEntry(db: Db, entryId: string, o: { applying: boolean }): Promise<EntryRow | undefined> {
  const entry = await loadEntry(db, entryId);
  return entry && (!o.applying || entry.status === "applying") ? entry : undefined;
}

/** `status` means the link is already as wanted (added before, or gone already). */
async function already(status: number, request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if ((error as { status?: number }).status !== status) throw error;
  }
}
