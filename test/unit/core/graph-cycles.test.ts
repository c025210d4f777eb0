import { describe, it, expect } from "vitest";
import { buildGraph, describeCycle, findCycles } from "../../../src/core/task-graph.js";
import { done, node } from "./graph-nodes.js";

describe("findCycles", () => {
  it("finds nothing in a DAG", () => {
    expect(findCycles(buildGraph([node("a"), node("b", ["a"]), node("c", ["a", "b"])]))).toEqual([]);
  });

  it("walks a 3-cycle in dependency order from its smallest id", () => {
    const graph = buildGraph([node("c", ["a"]), node("b", ["c"]), node("a", ["b"]), node("d", ["a"])]);
    expect(findCycles(graph)).toEqual([["a", "b", "c"]]);
  });

  it("names a self-loop", () => {
    expect(findCycles(buildGraph([node("a"), node("b", ["a", "b"])]))).toEqual([["b"]]);
  });

  it("finds two disjoint cycles, sorted, whatever the input order", () => {
    const nodes = [node("12", ["13"]), node("13", ["12"]), node("9", ["7"]), node("7", ["8"]), node("8", ["9"]), node("1")];
    const expected = [
      ["7", "8", "9"],
      ["12", "13"],
    ];
    expect(findCycles(buildGraph(nodes))).toEqual(expected);
    expect(findCycles(buildGraph([...nodes].reverse()))).toEqual(expected);
  });

  it("lists every member of interlocking cycles once, starting with the smallest", () => {
    // a ⇄ b and b ⇄ c: one component, no single ring through all three.
    const graph = buildGraph([node("a", ["b"]), node("b", ["a", "c"]), node("c", ["b"])]);
    expect(findCycles(graph)).toEqual([["a", "b", "c"]]);
  });

  it("keeps cycles through done nodes unless asked to ignore them", () => {
    const graph = buildGraph([done("a", ["b"]), node("b", ["a"]), node("c", ["d"]), node("d", ["c"])]);
    expect(findCycles(graph)).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
    expect(findCycles(graph, { ignoreDone: true })).toEqual([["c", "d"]]);
  });
});

describe("describeCycle", () => {
  it("returns to where it started", () => {
    expect(describeCycle(["12", "13"])).toBe("#12 → #13 → #12");
    expect(describeCycle(["5"])).toBe("#5 → #5");
    expect(describeCycle([])).toBe("");
  });

  it("uses the label function", () => {
    expect(describeCycle(["a", "b", "c"], (id) => id.toUpperCase())).toBe("A → B → C → A");
  });
});
