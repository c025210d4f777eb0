/**
 * How long the task-graph queries take on a 10,000-task plan, the size the runner must answer in
 * a few milliseconds per dispatch. Seeded, so two runs measure the same graph.
 */
import { seededRandom } from "./support/seeded-random.js";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import { buildGraph, criticalPathLength, findCycles, readySet, topologicalOrder, type GraphNode } from "../src/core/task-graph.js";

const NODES = 10_000;
const RUNS = 20;

export async function benchGraph(): Promise<Record<string, string | number>> {
  const nodes = randomDag(NODES, 0xc0de);
  const graph = buildGraph(nodes);
  const edges = graph.dependencies.reduce((sum, deps) => sum + deps.length, 0);

  return {
    "graph.nodes": nodes.length,
    "graph.edges": edges,
    "graph.done": nodes.filter((n) => n.done).length,
    "graph.ready": readySet(graph).length,
    "graph.readySet.ms": medianMs(() => readySet(buildGraph(nodes))),
    "graph.cycleCheck.ms": medianMs(() => findCycles(graph)),
    "graph.criticalPath.ms": medianMs(() => criticalPathLength(graph)),
    "graph.topologicalOrder.ms": medianMs(() => topologicalOrder(graph)),
  };
}

/** Each node depends on up to three earlier ones, so the graph is acyclic; about 30% are done. */
function randomDag(count: number, seed: number): GraphNode[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const dependsOn = new Set<string>();
    const wanted = i === 0 ? 0 : Math.floor(random() * 4);
    for (let k = 0; k < wanted; k++) dependsOn.add(String(1 + Math.floor(random() * i)));
    return { id: String(i + 1), done: random() < 0.3, dependsOn: [...dependsOn] };
  });
}

/** The median resists the odd garbage-collection pause; one untimed run warms the JIT first. */
function medianMs(work: () => unknown): number {
  work();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const mid = times.length / 2;
  const median = ((times[Math.floor(mid - 0.5)] as number) + (times[Math.floor(mid)] as number)) / 2;
  return Math.round(median * 1000) / 1000;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  console.log(JSON.stringify(await benchGraph(), null, 2));
}
