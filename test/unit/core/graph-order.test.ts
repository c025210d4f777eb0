import { describe, it, expect } from "vitest";
import { CycleError, buildGraph, compareIds, criticalPathLength, dispatchOrder, topologicalOrder } from "../../../src/core/task-graph.js";
import { done, node } from "./graph-nodes.js";

describe("topologicalOrder", () => {
  it("puts dependencies first", () => {
    const graph = buildGraph([node("d", ["b", "c"]), node("c", ["a"]), node("b", ["a"]), node("a")]);
    const order = topologicalOrder(graph);
    expect(order[0]).toBe("a");
    expect(order[3]).toBe("d");
  });

  it("breaks ties by priority, then order, then id", () => {
    const graph = buildGraph([
      node("10", [], { priority: "low" }),
      node("9", [], { order: 2 }),
      node("8", [], { order: 1 }),
      node("7", [], { priority: "high", order: 5 }),
      node("12"),
      node("11"),
      node("6", ["10"], { priority: "high" }),
    ]);
    expect(topologicalOrder(graph)).toEqual(["7", "11", "12", "8", "9", "10", "6"]);
  });

  it("ignores unknown dependencies and includes done nodes", () => {
    expect(topologicalOrder(buildGraph([node("b", ["a", "99"]), done("a")]))).toEqual(["a", "b"]);
  });

  it("throws a CycleError carrying every cycle", () => {
    const graph = buildGraph([node("a", ["b"]), node("b", ["a"]), node("c", ["c"]), node("d")]);
    let caught: unknown;
    try {
      topologicalOrder(graph);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CycleError);
    expect((caught as CycleError).cycles).toEqual([["a", "b"], ["c"]]);
    expect((caught as CycleError).message).toBe("dependency cycle: #a → #b → #a; #c → #c");
  });
});

describe("dispatchOrder", () => {
  const graph = buildGraph([
    node("7"), // a chain of two waits on it
    node("2"),
    node("3", [], { priority: "low" }),
    node("4", [], { priority: "high" }),
    node("5", [], { order: -1 }),
    node("6"),
    node("10", ["7"]),
    node("11", ["10"]),
  ]);

  it("sorts by priority, then critical path, then order, then id", () => {
    expect(dispatchOrder(graph, ["3", "6", "2", "5", "7", "4"])).toEqual(["4", "7", "5", "2", "6", "3"]);
  });

  it("accepts a critical path computed once", () => {
    const path = criticalPathLength(graph);
    expect(path.get("7")).toBe(3);
    expect(dispatchOrder(graph, ["2", "7"], path)).toEqual(["7", "2"]);
  });

  it("refuses an id that is not a node", () => {
    expect(() => dispatchOrder(graph, ["7", "404"])).toThrow(RangeError);
  });
});

describe("compareIds", () => {
  it("compares issue numbers as numbers and other ids by code unit", () => {
    expect(["12", "9", "100", "a", "B", "010"].sort(compareIds)).toEqual(["9", "010", "12", "100", "B", "a"]);
  });
});
