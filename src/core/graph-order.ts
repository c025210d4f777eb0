import { indexOfNode, type GraphNode, type TaskGraph } from "./graph-build.js";
import { criticalPathLength } from "./graph-critical-path.js";
import { CycleError, findCycles } from "./graph-cycles.js";
import { MinHeap } from "./min-heap.js";
import { compareIds, priorityRank } from "./node-order.js";

/**
 * Every node, dependencies first. Among nodes free to come next: high priority first, then lower
 * `order` (missing counts as 0, the schema's default), then id. Unknown dependencies are not nodes
 * and do not hold anything back here. Throws a CycleError listing every cycle when there is one.
 *
 * O(E + V log V): choosing the best free node each step needs the heap.
 */
export function topologicalOrder(graph: TaskGraph<GraphNode>): string[] {
  const { nodes } = graph;
  const waitingOn = Int32Array.from(graph.dependencies, (deps) => deps.length);
  // One sort up front, so the heap compares integers instead of re-reading priority, order and id.
  const rank = new Int32Array(nodes.length);
  nodes
    .map((_, i) => i)
    .sort((a, b) => compareTieBreak(nodes[a] as GraphNode, nodes[b] as GraphNode))
    .forEach((i, position) => {
      rank[i] = position;
    });
  const free = new MinHeap<number>((a, b) => (rank[a] as number) - (rank[b] as number));
  nodes.forEach((_, i) => {
    if (waitingOn[i] === 0) free.push(i);
  });

  const order: string[] = [];
  for (let i = free.pop(); i !== undefined; i = free.pop()) {
    order.push((nodes[i] as GraphNode).id);
    for (const d of graph.dependents[i] ?? []) {
      waitingOn[d] = (waitingOn[d] as number) - 1;
      if (waitingOn[d] === 0) free.push(d);
    }
  }
  if (order.length < nodes.length) throw new CycleError(findCycles(graph));
  return order;
}

/**
 * The order in which the runner should start `candidates`: high priority first, then the longest
 * critical path (what unblocks the most waiting work), then `order`, then id. Pass
 * `criticalPath` when dispatching several times from one graph.
 */
export function dispatchOrder(
  graph: TaskGraph<GraphNode>,
  candidates: readonly string[],
  criticalPath: ReadonlyMap<string, number> = criticalPathLength(graph),
): string[] {
  return candidates
    .map((id) => {
      const node = graph.nodes[indexOfNode(graph, id)] as GraphNode;
      return { node, rank: priorityRank(node.priority), path: criticalPath.get(id) ?? 0 };
    })
    .sort((a, b) => a.rank - b.rank || b.path - a.path || (a.node.order ?? 0) - (b.node.order ?? 0) || compareIds(a.node.id, b.node.id))
    .map(({ node }) => node.id);
}

function compareTieBreak(a: GraphNode, b: GraphNode): number {
  return priorityRank(a.priority) - priorityRank(b.priority) || (a.order ?? 0) - (b.order ?? 0) || compareIds(a.id, b.id);
}
