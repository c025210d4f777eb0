/**
 * The dependency graph of tasks, and of phases: a phase is a node like any other, `done` when it
 * is merged, depending on the phases it waits for. Pure functions over an indexed graph, all
 * linear in nodes plus edges (topological order adds a log factor for its tie-break), and all
 * iterative so a chain of any length fits on the stack.
 */
export { buildGraph, type GraphNode, type TaskGraph } from "./graph-build.js";
export { readySet, blockedBy } from "./graph-ready.js";
export { findCycles, describeCycle, CycleError, type Cycle, type FindCyclesOptions } from "./graph-cycles.js";
export { criticalPathLength } from "./graph-critical-path.js";
export { topologicalOrder, dispatchOrder } from "./graph-order.js";
export { compareIds } from "./node-order.js";
