import { indexOfNode, type GraphNode, type TaskGraph } from "./graph-build.js";

/**
 * Ids of the nodes that can start now: not done, and every dependency done. An unknown dependency
 * is never done, so it holds its dependents back. `isCandidate` narrows the result (for example to
 * tasks whose status is pending) without a second pass. Input order.
 */
export function readySet<N extends GraphNode>(graph: TaskGraph<N>, isCandidate?: (node: N) => boolean): string[] {
  const ready: string[] = [];
  graph.nodes.forEach((node, i) => {
    if (node.done || (isCandidate !== undefined && !isCandidate(node))) return;
    if (allDependenciesDone(graph, i)) ready.push(node.id);
  });
  return ready;
}

/** The dependencies of `id` that are not done, unknown ids included, in the order the node names them. */
export function blockedBy(graph: TaskGraph<GraphNode>, id: string): string[] {
  const i = indexOfNode(graph, id);
  return (graph.dependencyIds[i] ?? []).filter((dep) => {
    const j = graph.indexOf.get(dep);
    return j === undefined || !graph.nodes[j]?.done;
  });
}

function allDependenciesDone(graph: TaskGraph<GraphNode>, i: number): boolean {
  const known = graph.dependencies[i] ?? [];
  if (known.length !== (graph.dependencyIds[i]?.length ?? 0)) return false; // an unknown one
  return known.every((j) => graph.nodes[j]?.done === true);
}
