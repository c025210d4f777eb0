/**
 * What a change set looks like to people: the body of each issue it creates (the plan's text,
 * its `Depends on` lines, the hidden marker that finds it again), and its one comment on the
 * planning issue — the id, every issue created or edited, the pages, and a Mermaid graph.
 */
import { randomBytes } from "node:crypto";
import { commentMarker } from "./intents.js";
import type { PlanRef } from "./plan-file.js";
import type { ChangeSetStatus } from "./statuses.js";
import { agentText } from "./agent-text.js";

/** Short enough to type in `/cw revert <id>`, random enough never to meet another. */
export function newChangeSetId(): string {
  return `cs-${randomBytes(4).toString("hex")}`;
}

export const CHANGE_SET_ID = /^cs-[0-9a-f]{8}$/;

/** The hidden line in each created issue's body: a retry after a lost answer finds the issue by it. */
export function plannedIssueMarker(changeSetId: string, key: string): string {
  return commentMarker(`plan:${changeSetId}:${key}`);
}

export function changeSetCommentMarker(changeSetId: string): string {
  return `change-set:${changeSetId}`;
}

/** What an entry of a change set holds (`change_set_entries.new_state`). */
export type EntryState =
  | {
      kind: "issue";
      role: "phase" | "task";
      title: string;
      body: string;
      /** Labels besides the trigger (which is added when the change set starts its tasks). */
      labels: string[];
      /** The sub-issue parent: a phase, or a parent task. */
      parent: PlanRef | null;
      dependsOn: PlanRef[];
    }
  | { kind: "page"; path: string; title: string; body: string }
  | { kind: "edit"; issue: number; title?: string; body?: string; close: boolean };

/** The body a created issue gets: the plan's text, one `Depends on` line per dependency, the marker. */
export function plannedIssueBody(body: string, dependsOn: readonly number[], marker: string): string {
  const lines = [body.trim()];
  if (dependsOn.length > 0) lines.push(dependsOn.map((n) => `Depends on #${n}`).join("\n"));
  lines.push(marker);
  return lines.filter(Boolean).join("\n\n");
}

/** The Markdown file of a page: its title as a heading, then its text. */
export function pageFile(title: string, body: string): string {
  const text = body.trim();
  return text.startsWith("# ") ? `${text}\n` : `# ${oneLine(title)}\n\n${text}${text ? "\n" : ""}`;
}

export interface ChangeSetView {
  id: string;
  mode: "plan" | "detail" | "refine";
  status: ChangeSetStatus;
  agentName: string;
  summary: string;
  issues: { key: string; role: "phase" | "task"; title: string; number: number | null; parentKey: string | null; dependsOn: string[] }[];
  edits: { issue: number; title: string | null; close: boolean; done: boolean }[];
  pages: { path: string; title: string }[];
  /** Where the pages go on the initiative branch. */
  pagesFolder: string;
  branch: string | null;
  revertNotes?: string[] | null;
  /** Why its applying stopped (status `failed`): one reason a line. */
  failure?: string | null;
}

/** The one comment on the planning issue, in each state of the change set. */
export function describeChangeSet(v: ChangeSetView): string {
  const head: Record<ChangeSetView["status"], string> = {
    proposed: `📝 **Proposed change set \`${v.id}\`** by \`${v.agentName}\`. Nothing is created yet: a writer applies it with \`/cw apply ${v.id}\`.`,
    applying: `⏳ **Change set \`${v.id}\`** by \`${v.agentName}\` is being applied (GitHub's limits pace the writes).`,
    applied: `✅ **Change set \`${v.id}\`** by \`${v.agentName}\` is applied. \`/cw revert ${v.id}\` undoes it.`,
    reverting: `↩️ **Change set \`${v.id}\`** is being reverted.`,
    reverted: `↩️ **Change set \`${v.id}\`** was reverted.`,
    failed: `❌ **Change set \`${v.id}\`** by \`${v.agentName}\` failed: it cannot be applied in full. What it made so far stays; \`/cw revert ${v.id}\` undoes it.`,
  };
  const parts = [head[v.status]];
  // GitHub's answers and a remote's refusal are quoted: inert, like an agent's words.
  if (v.status === "failed" && v.failure)
    parts.push(
      `**Why:**\n${v.failure
        .split("\n")
        .map((line) => `- ${agentText(line, 600).replace(/\s+/g, " ")}`)
        .join("\n")}`,
    );
  if (v.summary) parts.push(`> ${oneLine(v.summary)}`);
  const verb = v.status === "proposed" ? "To create" : "Created";
  if (v.issues.length > 0) {
    // A change set that stopped (failed, or reverted after failing) names what it never created.
    const stopped = v.status !== "proposed" && v.status !== "applying";
    const never = (i: ChangeSetView["issues"][number]) => (stopped && !i.number ? " (never created)" : "");
    parts.push(
      `**${verb}** (${v.issues.length}):\n${v.issues.map((i) => `- ${i.role === "phase" ? "Phase" : "Task"} ${i.number ? `#${i.number}` : `\`${i.key}\``} — ${oneLine(i.title)}${never(i)}`).join("\n")}`,
    );
  }
  if (v.edits.length > 0) {
    parts.push(
      `**${v.status === "proposed" ? "To edit" : "Edited"}** (${v.edits.length}):\n${v.edits.map((e) => `- #${e.issue}${e.title ? ` — ${oneLine(e.title)}` : ""}${e.close ? " (closed)" : ""}`).join("\n")}`,
    );
  }
  if (v.pages.length > 0) {
    const where = v.branch ? ` on \`${v.branch}\`` : "";
    parts.push(`**Pages**${where} in \`${v.pagesFolder}/\`:\n${v.pages.map((p) => `- \`${p.path}\` — ${oneLine(p.title)}`).join("\n")}`);
  }
  if (v.issues.length > 0) parts.push(mermaid(v.issues));
  if (v.revertNotes && v.revertNotes.length > 0) parts.push(`**Not undone:**\n${v.revertNotes.map((n) => `- ${n}`).join("\n")}`);
  return parts.join("\n\n");
}

/** ```mermaid: a box per phase holding its tasks, an arrow from each dependency to what waits on it. */
export function mermaid(issues: ChangeSetView["issues"]): string {
  const id = (key: string) => `n_${key.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const label = (i: ChangeSetView["issues"][number]) => `${i.number ? `#${i.number} ` : ""}${oneLine(i.title)}`.replace(/["<>`[\]{}|]/g, "'").slice(0, 80);
  const byKey = new Map(issues.map((i) => [i.key, i]));
  const phaseOf = (i: ChangeSetView["issues"][number]): string | null => {
    let parent = i.parentKey;
    // A sub-task sits in its parent task's phase.
    for (let hops = 0; parent && hops < 100; hops++) {
      const p = byKey.get(parent);
      if (!p) return null;
      if (p.role === "phase") return p.key;
      parent = p.parentKey;
    }
    return null;
  };
  const lines = ["```mermaid", "graph TD"];
  for (const phase of issues.filter((i) => i.role === "phase")) {
    lines.push(`  subgraph ${id(phase.key)}["${label(phase)}"]`);
    for (const task of issues.filter((i) => i.role === "task" && phaseOf(i) === phase.key)) lines.push(`    ${id(task.key)}["${label(task)}"]`);
    lines.push("  end");
  }
  for (const task of issues.filter((i) => i.role === "task" && phaseOf(i) === null)) lines.push(`  ${id(task.key)}["${label(task)}"]`);
  for (const i of issues) for (const d of i.dependsOn) if (byKey.has(d)) lines.push(`  ${id(d)} --> ${id(i.key)}`);
  lines.push("```");
  return lines.join("\n");
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
