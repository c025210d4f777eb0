import { describe, it, expect } from "vitest";
import { blockedBy, buildGraph, readySet, type GraphNode } from "../../../src/core/task-graph.js";
import { done, node } from "./graph-nodes.js";

describe("buildGraph", () => {
  it("indexes dependencies both ways and drops repeated ones", () => {
    const graph = buildGraph([node("a"), node("b", ["a", "a"]), node("c", ["a", "b"])]);
    expect(graph.dependencyIds).toEqual([[], ["a"], ["a", "b"]]);
    expect(graph.dependencies).toEqual([[], [0], [0, 1]]);
    expect(graph.dependents).toEqual([[1, 2], [2], []]);
    expect(graph.unknown.size).toBe(0);
  });

  it("reports unknown ids with the nodes naming them", () => {
    const graph = buildGraph([node("a", ["x"]), node("b", ["y", "x"])]);
    expect([...graph.unknown]).toEqual([
      ["x", ["a", "b"]],
      ["y", ["b"]],
    ]);
  });

  it("refuses two nodes with one id", () => {
    expect(() => buildGraph([node("a"), node("a")])).toThrow('duplicate node id "a"');
  });
});

describe("readySet", () => {
  const graph = buildGraph([done("1"), node("2", ["1"]), node("3", ["2"]), node("4"), node("5", ["1", "99"]), done("6", ["3"]), node("7", ["7"])]);

  it("returns not-done nodes whose dependencies are all done, in input order", () => {
    expect(readySet(graph)).toEqual(["2", "4"]);
  });

  it("narrows to candidates", () => {
    expect(readySet(graph, (n) => n.id !== "2")).toEqual(["4"]);
  });

  it("passes the caller's own node type to the predicate", () => {
    type Task = GraphNode & { status: "pending" | "pending_approval" };
    const tasks: Task[] = [
      { id: "1", done: false, dependsOn: [], status: "pending" },
      { id: "2", done: false, dependsOn: [], status: "pending_approval" },
    ];
    expect(readySet(buildGraph(tasks), (t) => t.status === "pending")).toEqual(["1"]);
  });

  it("is empty when everything is done", () => {
    expect(readySet(buildGraph([done("1"), done("2", ["1"])]))).toEqual([]);
  });
});

describe("blockedBy", () => {
  const graph = buildGraph([done("1"), node("2"), node("3", ["99", "2", "1", "42", "2"])]);

  it("lists open and unknown dependencies in the order the node names them", () => {
    expect(blockedBy(graph, "3")).toEqual(["99", "2", "42"]);
  });

  it("is empty when nothing holds the node", () => {
    expect(blockedBy(graph, "2")).toEqual([]);
  });

  it("refuses an id that is not a node", () => {
    expect(() => blockedBy(graph, "99")).toThrow(RangeError);
  });
});

describe("phases are nodes too", () => {
  it("answers which phase can start and what holds the others", () => {
    const phases = buildGraph([
      { id: "phase-1", done: true, dependsOn: [] }, // merged
      { id: "phase-2", done: false, dependsOn: ["phase-1"] },
      { id: "phase-3", done: false, dependsOn: ["phase-1", "phase-2"] },
    ]);
    expect(readySet(phases)).toEqual(["phase-2"]);
    expect(blockedBy(phases, "phase-3")).toEqual(["phase-2"]);
  });
});
