/**
 * A Mermaid flowchart of tasks and their dependencies, coloured by status, for the phase and
 * initiative pull-request bodies. Pure. Titles are people's (or agents') text: every character
 * outside a small safe set is written as a Mermaid entity code (`#34;`), so a title can neither
 * close its label, start a comment or a link, nor end the ```` ```mermaid ```` fence.
 */
import type { TaskStatus } from "./statuses.js";

export interface GraphTask {
  id: string;
  issueNumber: number | null;
  name: string;
  status: TaskStatus;
  /** Ids of the tasks it depends on (edges to tasks outside the graph are left out). */
  dependsOn: readonly string[];
  /** The task's work waits in a pull request. */
  inReview?: boolean;
}

export interface GraphGroup {
  title: string;
  tasks: readonly GraphTask[];
}

const CLASSES: Record<string, string> = {
  done: "fill:#d3f9d8,stroke:#2b8a3e,color:#1b4d27",
  review: "fill:#e5dbff,stroke:#6741d9,color:#2b1a66",
  working: "fill:#fff3bf,stroke:#e67700,color:#5c3c00",
  ready: "fill:#e7f5ff,stroke:#1c7ed6,color:#0b3a66",
  blocked: "fill:#f1f3f5,stroke:#868e96,color:#343a40",
  failed: "fill:#ffe3e3,stroke:#c92a2a,color:#5c0f0f",
  cancelled: "fill:#f8f9fa,stroke:#ced4da,color:#868e96,stroke-dasharray:4",
};

function classOf(t: GraphTask): string {
  if (t.status === "completed") return t.inReview ? "review" : "done";
  switch (t.status) {
    case "in_progress":
      return "working";
    case "pending":
      return "ready";
    case "failed":
      return "failed";
    case "cancelled":
      return "cancelled";
    default:
      return "blocked";
  }
}

/** Label text Mermaid shows as written: letters, digits and a few marks; anything else as `#code;`. */
export function mermaidText(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = [...flat];
  const cut = chars.length > max ? [...chars.slice(0, max - 1), "…"] : chars;
  return cut.map((c) => (/^[A-Za-z0-9 .,_()-]$/.test(c) ? c : `#${c.codePointAt(0)};`)).join("");
}

/** The whole block, fenced; empty when there are no tasks. */
export function mermaidTaskGraph(groups: readonly GraphGroup[]): string {
  const all = groups.flatMap((g) => g.tasks);
  if (all.length === 0) return "";
  const node = new Map(all.map((t, i) => [t.id, `t${i}`]));
  const lines = ["```mermaid", "flowchart LR"];
  const single = groups.length === 1;
  groups.forEach((g, gi) => {
    if (g.tasks.length === 0) return;
    if (!single) lines.push(`  subgraph g${gi}["${mermaidText(g.title)}"]`);
    for (const t of g.tasks) {
      const label = `${t.issueNumber !== null ? `#${t.issueNumber} ` : ""}${t.name}`;
      lines.push(`${single ? "  " : "    "}${node.get(t.id)}["${mermaidText(label)}"]:::${classOf(t)}`);
    }
    if (!single) lines.push("  end");
  });
  for (const t of all) {
    for (const d of t.dependsOn) {
      const from = node.get(d);
      if (from) lines.push(`  ${from} --> ${node.get(t.id)}`);
    }
  }
  const used = new Set(all.map(classOf));
  for (const [name, style] of Object.entries(CLASSES)) if (used.has(name)) lines.push(`  classDef ${name} ${style}`);
  lines.push("```");
  return lines.join("\n");
}
