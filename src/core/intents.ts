/**
 * GitHub writes the core intends. A command records them in the outbox in the same transaction
 * as the state change; the outbox worker performs them. Each is an idempotent "ensure": doing it
 * twice leaves GitHub as doing it once. Intents with the same target key coalesce: a newer one
 * replaces an older one still waiting, so a burst of transitions makes one write.
 */
import type { LabelDefinition, StatusLabel } from "./labels.js";

export interface RepoRef {
  owner: string;
  repo: string;
  installationId: number;
}

export type GitHubIntent = EnsureLabelsIntent | SetStatusLabelIntent | UpsertCommentIntent;

/** The repository has these label definitions (missing ones are created; existing ones kept). */
export interface EnsureLabelsIntent {
  kind: "ensure-labels";
  repo: RepoRef;
  labels: LabelDefinition[];
}

/**
 * The issue carries exactly this app-owned status label (or none): other status labels are
 * removed, labels the app does not own are never touched.
 */
export interface SetStatusLabelIntent {
  kind: "set-status-label";
  repo: RepoRef;
  issueNumber: number;
  label: StatusLabel | null;
}

/**
 * The issue has one comment of the app's with this marker, with this body: created the first
 * time, edited in place afterwards, left alone when the body is already right.
 */
export interface UpsertCommentIntent {
  kind: "upsert-comment";
  repo: RepoRef;
  issueNumber: number;
  marker: string;
  body: string;
}

export function targetKeyOf(intent: GitHubIntent): string {
  const repo = `${intent.repo.owner}/${intent.repo.repo}`;
  switch (intent.kind) {
    case "ensure-labels":
      return `labels:${repo}`;
    case "set-status-label":
      return `status-label:${repo}#${intent.issueNumber}`;
    case "upsert-comment":
      return `comment:${repo}#${intent.issueNumber}:${intent.marker}`;
  }
}

/** The hidden line that lets the app find its own comment again. */
export function commentMarker(marker: string): string {
  return `<!-- codewalkers:${marker} -->`;
}
