import { describe, it, expect } from "vitest";
import { AGENT_STATUSES, INITIATIVE_STATUSES, PHASE_STATUSES, TASK_STATUSES } from "../../../src/core/statuses.js";
import {
  InvalidTransitionError,
  TRANSITION_TABLES,
  agentTransition,
  assertTransition,
  canTransition,
  initiativeTransition,
  phaseTransition,
  taskTransition,
  type TransitionEntity,
} from "../../../src/core/transitions.js";

const STATUSES: Record<TransitionEntity, readonly string[]> = {
  task: TASK_STATUSES,
  phase: PHASE_STATUSES,
  initiative: INITIATIVE_STATUSES,
  agent: AGENT_STATUSES,
};

const ENTITIES = Object.keys(STATUSES) as TransitionEntity[];

// The entity-typed signatures cannot be called with a runtime-chosen entity; tests walk all of them.
const tryMove = assertTransition as (entity: TransitionEntity, from: string, to: string) => string;
const canMove = canTransition as (entity: TransitionEntity, from: string, to: string) => boolean;

function tableOf(entity: TransitionEntity): Readonly<Record<string, readonly string[]>> {
  return TRANSITION_TABLES[entity];
}

function allowedPairs(entity: TransitionEntity): [string, string][] {
  return Object.entries(tableOf(entity)).flatMap(([from, tos]) => tos.map((to): [string, string] => [from, to]));
}

function forbiddenPairs(entity: TransitionEntity): [string, string][] {
  const statuses = STATUSES[entity];
  return statuses.flatMap((from) => statuses.filter((to) => to !== from && !tableOf(entity)[from]?.includes(to)).map((to): [string, string] => [from, to]));
}

describe.each(ENTITIES)("%s transitions", (entity) => {
  it("lists exactly the statuses of statuses.ts, each leading somewhere", () => {
    const table = tableOf(entity);
    expect(Object.keys(table).sort()).toEqual([...STATUSES[entity]].sort());
    for (const [from, tos] of Object.entries(table)) {
      expect(tos.length, from).toBeGreaterThan(0);
      expect(tos, from).not.toContain(from);
      for (const to of tos) expect(STATUSES[entity]).toContain(to);
    }
  });

  it("makes every status reachable from another one", () => {
    const targets = new Set(Object.values(tableOf(entity)).flat());
    expect([...STATUSES[entity]].filter((s) => !targets.has(s))).toEqual([]);
  });

  it("allows every listed transition", () => {
    const pairs = allowedPairs(entity);
    expect(pairs.length).toBeGreaterThan(0);
    for (const [from, to] of pairs) {
      expect(tryMove(entity, from, to)).toBe(to);
      expect(canMove(entity, from, to)).toBe(true);
    }
  });

  it("treats staying in the same status as a no-op", () => {
    for (const status of STATUSES[entity]) {
      expect(tryMove(entity, status, status)).toBe(status);
      expect(canMove(entity, status, status)).toBe(true);
    }
  });

  it("refuses every pair not listed, naming entity and statuses", () => {
    const pairs = forbiddenPairs(entity);
    expect(pairs.length).toBeGreaterThan(0);
    for (const [from, to] of pairs) {
      expect(canMove(entity, from, to)).toBe(false);
      let caught: unknown;
      try {
        tryMove(entity, from, to);
      } catch (error) {
        caught = error;
      }
      expect(caught, `${from} → ${to}`).toBeInstanceOf(InvalidTransitionError);
      const error = caught as InvalidTransitionError;
      expect(error.entity).toBe(entity);
      expect(error.from).toBe(from);
      expect(error.to).toBe(to);
      expect(error.message).toBe(`${entity} cannot go from "${from}" to "${to}"`);
    }
  });

  it("refuses a status that is not in the model, even to itself", () => {
    const known = STATUSES[entity][0] as string;
    expect(() => tryMove(entity, "bogus", known)).toThrow(InvalidTransitionError);
    expect(() => tryMove(entity, known, "bogus")).toThrow(InvalidTransitionError);
    expect(() => tryMove(entity, "bogus", "bogus")).toThrow(InvalidTransitionError);
    expect(canMove(entity, "bogus", "bogus")).toBe(false);
  });

  it("cannot be widened at run time", () => {
    const table = tableOf(entity);
    const first = Object.values(table)[0] as string[];
    expect(Object.isFrozen(table)).toBe(true);
    expect(() => first.push("bogus")).toThrow(TypeError);
  });
});

describe("representative transitions", () => {
  it("walks a task through approval, a crash, a retry and completion", () => {
    let status = taskTransition("pending_approval", "pending");
    status = taskTransition(status, "in_progress");
    status = taskTransition(status, "pending");
    status = taskTransition(status, "in_progress");
    status = taskTransition(status, "failed");
    status = taskTransition(status, "pending");
    status = taskTransition(status, "in_progress");
    expect(taskTransition(status, "completed")).toBe("completed");
  });

  it.each([
    ["task", "completed", "blocked"],
    ["task", "completed", "in_progress"],
    ["task", "pending_approval", "in_progress"],
    ["task", "failed", "in_progress"],
    ["task", "cancelled", "in_progress"],
    ["phase", "pending", "completed"],
    ["phase", "completed", "pending"],
    ["phase", "approved", "pending_review"],
    ["initiative", "archived", "completed"],
    ["agent", "idle", "crashed"],
    ["agent", "stopped", "idle"],
    ["agent", "crashed", "waiting_for_input"],
  ] as const)("%s: %s → %s throws", (entity, from, to) => {
    expect(() => tryMove(entity, from, to)).toThrow(`${entity} cannot go from "${from}" to "${to}"`);
  });

  it("has per-entity helpers that agree with assertTransition", () => {
    expect(() => taskTransition("completed", "blocked")).toThrow('task cannot go from "completed" to "blocked"');
    expect(phaseTransition("pending_review", "completed")).toBe("completed");
    expect(() => phaseTransition("pending_review", "approved")).toThrow(InvalidTransitionError);
    expect(initiativeTransition("archived", "active")).toBe("active");
    expect(agentTransition("waiting_for_input", "running")).toBe("running");
    expect(assertTransition("phase", "blocked", "pending_review")).toBe("pending_review");
    expect(canTransition("agent", "stopped", "running")).toBe(true);
  });
});
