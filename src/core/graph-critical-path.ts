import type { GraphNode, TaskGraph } from "./graph-build.js";
import { stronglyConnected } from "./strongly-connected.js";

/**
 * For each node, the length of the longest chain of not-done nodes waiting on it, itself
 * included: 1 when nothing waits on it, 0 when it is done. Starting the node with the longest
 * chain first shortens the whole run.
 *
 * Done nodes are left out of the chains: a node behind a done one waits on nothing. A cycle counts
 * as one link as long as its number of members (each must be finished before anything behind the
 * cycle), and every member gets the same value, so the answer stays finite.
 */
export function criticalPathLength(graph: TaskGraph<GraphNode>): Map<string, number> {
  const open = (i: number): boolean => !graph.nodes[i]?.done;
  const componentOf = new Int32Array(graph.nodes.length).fill(-1);
  const lengthOf: number[] = [];

  // Following "is depended on by", every component waiting on this one has already been measured.
  stronglyConnected(graph.dependents, open).forEach((members, c) => {
    for (const m of members) componentOf[m] = c;
    let longestBehind = 0;
    for (const m of members) {
      for (const d of graph.dependents[m] ?? []) {
        const dc = componentOf[d] as number;
        if (dc !== c && dc !== -1) longestBehind = Math.max(longestBehind, lengthOf[dc] as number);
      }
    }
    lengthOf[c] = members.length + longestBehind;
  });

  const lengths = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    lengths.set(node.id, node.done ? 0 : (lengthOf[componentOf[i] as number] as number));
  });
  return lengths;
}
