import type { GraphNode } from "../../../src/core/task-graph.js";

/** `node("a", ["b"])`: a, not done, depends on b. */
export function node(id: string, dependsOn: readonly string[] = [], extra: Partial<GraphNode> = {}): GraphNode {
  return { id, done: false, dependsOn, ...extra };
}

export function done(id: string, dependsOn: readonly string[] = []): GraphNode {
  return node(id, dependsOn, { done: true });
}

/** "1" ← "2" ← … ← "n": each depends on the one before. */
export function chain(length: number): GraphNode[] {
  return Array.from({ length }, (_, i) => node(String(i + 1), i === 0 ? [] : [String(i)]));
}
