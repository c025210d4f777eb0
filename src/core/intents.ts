/**
 * GitHub writes the core intends. A command records them in the outbox in the same transaction
 * as the state change; the outbox worker performs them. Each is an idempotent "ensure": doing it
 * twice leaves GitHub as doing it once. Intents with the same target key coalesce: a newer one
 * replaces an older one still waiting, so a burst of transitions makes one write.
 */
import type { LabelDefinition } from "./labels.js";

export interface RepoRef {
  owner: string;
  repo: string;
  installationId: number;
}

export type GitHubIntent = EnsureLabelsIntent;

/** The repository has these label definitions (missing ones are created; existing ones kept). */
export interface EnsureLabelsIntent {
  kind: "ensure-labels";
  repo: RepoRef;
  labels: LabelDefinition[];
}

export function targetKeyOf(intent: GitHubIntent): string {
  const repo = `${intent.repo.owner}/${intent.repo.repo}`;
  switch (intent.kind) {
    case "ensure-labels":
      return `labels:${repo}`;
  }
}
