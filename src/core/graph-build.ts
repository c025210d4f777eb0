import type { TaskPriority } from "./statuses.js";

/**
 * Anything with dependencies: a task (its "blocked by" issues) or a phase (its dependency phases).
 * `done` is the caller's call — completed for a task, merged for a phase.
 */
export interface GraphNode {
  readonly id: string;
  readonly done: boolean;
  readonly dependsOn: readonly string[];
  readonly priority?: TaskPriority;
  readonly order?: number;
}

/**
 * The nodes indexed once, so every query after it is a walk over integer arrays. Build a new one
 * when the nodes change; nothing here is mutated after building.
 */
export interface TaskGraph<N extends GraphNode = GraphNode> {
  /** In the order given. */
  readonly nodes: readonly N[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** Per node: the ids it names, without repeats, in the order it names them, unknown ones included. */
  readonly dependencyIds: readonly (readonly string[])[];
  /** Per node: indices of the dependencies that are nodes of the graph. */
  readonly dependencies: readonly (readonly number[])[];
  /** Per node: indices of the nodes that depend on it. */
  readonly dependents: readonly (readonly number[])[];
  /**
   * Ids named as dependencies that are not nodes (deleted issues, another repository, a typo),
   * each with the ids of the nodes naming it, in order of first mention. They count as not done.
   */
  readonly unknown: ReadonlyMap<string, readonly string[]>;
}

export function buildGraph<N extends GraphNode>(nodes: readonly N[]): TaskGraph<N> {
  const indexOf = new Map<string, number>();
  nodes.forEach((node, i) => {
    // Two nodes with one id would make every answer ambiguous; it is the caller's bug.
    if (indexOf.has(node.id)) throw new Error(`task graph: duplicate node id "${node.id}"`);
    indexOf.set(node.id, i);
  });

  const dependencyIds: string[][] = [];
  const dependencies: number[][] = [];
  const dependents: number[][] = nodes.map(() => []);
  const unknown = new Map<string, string[]>();

  nodes.forEach((node, i) => {
    // The same blocker often arrives twice (GitHub's dependency and a "Depends on #N" line).
    const ids = [...new Set(node.dependsOn)];
    const known: number[] = [];
    for (const id of ids) {
      const j = indexOf.get(id);
      if (j === undefined) {
        const namers = unknown.get(id);
        if (namers) namers.push(node.id);
        else unknown.set(id, [node.id]);
        continue;
      }
      known.push(j);
      (dependents[j] as number[]).push(i);
    }
    dependencyIds.push(ids);
    dependencies.push(known);
  });

  return { nodes, indexOf, dependencyIds, dependencies, dependents, unknown };
}

/** Throws on an id the graph does not hold: asking about it is the caller's bug. */
export function indexOfNode(graph: TaskGraph<GraphNode>, id: string): number {
  const i = graph.indexOf.get(id);
  if (i === undefined) throw new RangeError(`task graph: no node "${id}"`);
  return i;
}
