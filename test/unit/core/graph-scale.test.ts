import { describe, it, expect } from "vitest";
import { buildGraph, criticalPathLength, dispatchOrder, findCycles, readySet, topologicalOrder } from "../../../src/core/task-graph.js";
import { chain, node } from "./graph-nodes.js";

describe.each([10_000, 100_000])("a %i-node chain", (length) => {
  const graph = buildGraph(chain(length));

  it("is walked without overflowing the stack", () => {
    expect(readySet(graph)).toEqual(["1"]);
    expect(findCycles(graph)).toEqual([]);
    expect(criticalPathLength(graph).get("1")).toBe(length);
    const order = topologicalOrder(graph);
    expect(order[0]).toBe("1");
    expect(order[length - 1]).toBe(String(length));
    expect(dispatchOrder(graph, ["1"])).toEqual(["1"]);
  });

  it("finds the ring when the chain is closed", () => {
    const ring = buildGraph([node("1", [String(length)]), ...chain(length).slice(1)]);
    const cycles = findCycles(ring);
    expect(cycles).toHaveLength(1);
    const cycle = cycles[0] ?? [];
    expect(cycle).toHaveLength(length);
    // "1" depends on the last, which depends on the one before it: the walk goes down the chain.
    expect(cycle.slice(0, 3)).toEqual(["1", String(length), String(length - 1)]);
    expect(criticalPathLength(ring).get("1")).toBe(length);
  });
});
