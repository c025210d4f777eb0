import { describe, it, expect } from "vitest";
import { buildGraph, criticalPathLength } from "../../../src/core/task-graph.js";
import { chain, done, node } from "./graph-nodes.js";

describe("criticalPathLength", () => {
  it("counts the longest chain waiting on each node of a diamond", () => {
    // b and c wait on a; d waits on both.
    const graph = buildGraph([node("a"), node("b", ["a"]), node("c", ["a"]), node("d", ["b", "c"])]);
    expect(Object.fromEntries(criticalPathLength(graph))).toEqual({ a: 3, b: 2, c: 2, d: 1 });
  });

  it("counts down a chain", () => {
    expect([...criticalPathLength(buildGraph(chain(4))).values()]).toEqual([4, 3, 2, 1]);
  });

  it("gives done nodes 0 and does not chain through them", () => {
    const graph = buildGraph([node("a"), done("b", ["a"]), node("c", ["b"]), node("d", ["a"])]);
    expect(Object.fromEntries(criticalPathLength(graph))).toEqual({ a: 2, b: 0, c: 1, d: 1 });
  });

  it("takes the longer branch, not the sum", () => {
    const graph = buildGraph([node("r"), node("x", ["r"]), node("y", ["x"]), node("z", ["r"])]);
    expect(criticalPathLength(graph).get("r")).toBe(3);
  });

  it("counts a cycle as one link as long as its members, shared by all of them", () => {
    // a ⇄ b, c waits on the cycle, d waits on c; e feeds the cycle.
    const graph = buildGraph([node("e"), node("a", ["b", "e"]), node("b", ["a"]), node("c", ["a"]), node("d", ["c"]), node("s", ["s"])]);
    expect(Object.fromEntries(criticalPathLength(graph))).toEqual({ e: 5, a: 4, b: 4, c: 2, d: 1, s: 1 });
  });
});
