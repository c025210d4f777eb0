import type { GraphNode, TaskGraph } from "./graph-build.js";
import { compareIds } from "./node-order.js";
import { stronglyConnected } from "./strongly-connected.js";

/**
 * Ids in the order a walk along "depends on" meets them: ["a", "b", "c"] means a depends on b,
 * b on c, c on a. A self-loop is a single id.
 */
export type Cycle = readonly string[];

export class CycleError extends Error {
  override readonly name = "CycleError";
  readonly cycles: readonly Cycle[];

  constructor(cycles: readonly Cycle[], label: (id: string) => string = hashLabel) {
    super(`dependency cycle: ${cycles.map((cycle) => describeCycle(cycle, label)).join("; ")}`);
    this.cycles = cycles;
  }
}

export interface FindCyclesOptions {
  /**
   * Leave done nodes out. A cycle through a done node stalls nothing (the node after it is
   * satisfied), so this answers "which tasks can never start"; without it the answer is every
   * cycle people declared, which is what a plan check wants.
   */
  readonly ignoreDone?: boolean;
}

/**
 * Every cycle: each strongly connected component of more than one node, and each self-loop. A
 * component that is a plain ring comes back as the walk around it. A component of several
 * interlocking rings has no single walk through every member, so its list is the order a
 * depth-first walk along dependencies first meets them: every member once, each one on a cycle
 * with the first. Each list starts at its smallest id; the lists are sorted by that id, so the
 * answer does not depend on the order the nodes were given in.
 */
export function findCycles(graph: TaskGraph<GraphNode>, options: FindCyclesOptions = {}): Cycle[] {
  const include = options.ignoreDone ? (i: number) => !graph.nodes[i]?.done : undefined;
  const componentOf = new Int32Array(graph.nodes.length).fill(-1);
  const cycles: Cycle[] = [];

  stronglyConnected(graph.dependencies, include).forEach((members, c) => {
    const only = members[0] as number;
    if (members.length === 1 && !(graph.dependencies[only] ?? []).includes(only)) return;
    for (const m of members) componentOf[m] = c;
    const start = members.reduce((best, m) => (compareIds(idOf(graph, m), idOf(graph, best)) < 0 ? m : best));
    cycles.push(walkComponent(graph, start, componentOf, c).map((i) => idOf(graph, i)));
  });

  return cycles.sort((a, b) => compareIds(a[0] as string, b[0] as string));
}

/** "#12 → #13 → #12": the walk, back to where it started. */
export function describeCycle(ids: Cycle, label: (id: string) => string = hashLabel): string {
  if (ids.length === 0) return "";
  return [...ids, ids[0] as string].map(label).join(" → ");
}

function hashLabel(id: string): string {
  return `#${id}`;
}

function idOf(graph: TaskGraph<GraphNode>, i: number): string {
  return (graph.nodes[i] as GraphNode).id;
}

/** Preorder of a depth-first walk that stays inside component `c`, taking dependencies in the order named. */
function walkComponent(graph: TaskGraph<GraphNode>, start: number, componentOf: Int32Array, c: number): number[] {
  const order: number[] = [];
  const seen = new Set<number>([start]);
  const stack: { node: number; cursor: number }[] = [{ node: start, cursor: 0 }];
  order.push(start);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as { node: number; cursor: number };
    const edges = graph.dependencies[frame.node] ?? [];
    if (frame.cursor >= edges.length) {
      stack.pop();
      continue;
    }
    const next = edges[frame.cursor++] as number;
    if (componentOf[next] !== c || seen.has(next)) continue;
    seen.add(next);
    order.push(next);
    stack.push({ node: next, cursor: 0 });
  }
  return order;
}
