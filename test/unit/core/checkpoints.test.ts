import { describe, expect, it } from "vitest";
import { completesWhenAgentDone, isPersonCheckpoint, isStranded, personWait, type WaitFacts } from "../../../src/core/checkpoints.js";
import { issueChangeEffect, type IssueChange } from "../../../src/core/issue-change.js";

const waiting = (over: Partial<WaitFacts>): WaitFacts => ({ type: "auto", status: "in_progress", claimed: false, agentWaiting: false, ...over });

describe("checkpoint types", () => {
  it("runs no agent on decisions and human actions, and holds a human-verify's finished work", () => {
    expect(isPersonCheckpoint("checkpoint:decision")).toBe(true);
    expect(isPersonCheckpoint("checkpoint:human-action")).toBe(true);
    expect(isPersonCheckpoint("checkpoint:human-verify")).toBe(false);
    expect(isPersonCheckpoint("auto")).toBe(false);
    expect(completesWhenAgentDone("checkpoint:human-verify")).toBe(false);
    expect(completesWhenAgentDone("auto")).toBe(true);
  });

  it("says what an unheld task in progress waits for", () => {
    expect(personWait(waiting({ agentWaiting: true }))).toBe("answers");
    // An agent's questions come first, whatever the type.
    expect(personWait(waiting({ type: "checkpoint:human-verify", agentWaiting: true }))).toBe("answers");
    expect(personWait(waiting({ type: "checkpoint:human-verify" }))).toBe("approval");
    expect(personWait(waiting({ type: "checkpoint:decision" }))).toBe("decision");
    expect(personWait(waiting({ type: "checkpoint:human-action" }))).toBe("action");
    expect(personWait(waiting({}))).toBeNull();
  });

  it("waits for nobody while a runner holds the task, or when it is not in progress", () => {
    expect(personWait(waiting({ type: "checkpoint:human-verify", claimed: true }))).toBeNull();
    expect(personWait(waiting({ agentWaiting: true, claimed: true }))).toBeNull();
    expect(personWait(waiting({ type: "checkpoint:decision", status: "pending" }))).toBeNull();
    expect(personWait(waiting({ type: "checkpoint:human-action", status: "completed" }))).toBeNull();
  });

  it("finds a task in progress that nothing holds or waits on", () => {
    expect(isStranded(waiting({}))).toBe(true);
    expect(isStranded(waiting({ claimed: true }))).toBe(false);
    expect(isStranded(waiting({ agentWaiting: true }))).toBe(false);
    expect(isStranded(waiting({ type: "checkpoint:decision" }))).toBe(false);
    expect(isStranded(waiting({ status: "pending" }))).toBe(false);
  });
});

describe("issueChangeEffect", () => {
  const change = (over: Partial<IssueChange>): IssueChange => ({ state: "open", stateReason: null, stopRequested: false, startRequested: false, ...over });
  const action = "checkpoint:human-action" as const;

  it("cancels an unfinished task whose issue closes or loses the label; a settled one stays", () => {
    expect(issueChangeEffect({ status: "in_progress", type: "auto" }, change({ state: "closed", stateReason: "completed" }))).toBe("cancel");
    expect(issueChangeEffect({ status: "pending", type: "checkpoint:decision" }, change({ state: "closed" }))).toBe("cancel");
    expect(issueChangeEffect({ status: "blocked", type: "auto" }, change({ stopRequested: true }))).toBe("cancel");
    expect(issueChangeEffect({ status: "completed", type: "auto" }, change({ state: "closed" }))).toBe("keep");
    expect(issueChangeEffect({ status: "cancelled", type: action }, change({ state: "closed" }))).toBe("keep");
  });

  it("completes a human action whose issue is closed as done, from any unfinished status", () => {
    for (const status of ["in_progress", "pending", "blocked", "pending_approval", "failed"] as const) {
      expect(issueChangeEffect({ status, type: action }, change({ state: "closed", stateReason: "completed" }))).toBe("complete");
    }
    expect(issueChangeEffect({ status: "in_progress", type: action }, change({ state: "closed", stateReason: null }))).toBe("complete");
  });

  it("cancels a human action closed as not planned or duplicate, or unlabelled", () => {
    expect(issueChangeEffect({ status: "in_progress", type: action }, change({ state: "closed", stateReason: "not_planned" }))).toBe("cancel");
    expect(issueChangeEffect({ status: "in_progress", type: action }, change({ state: "closed", stateReason: "duplicate" }))).toBe("cancel");
    expect(issueChangeEffect({ status: "in_progress", type: action }, change({ state: "closed", stopRequested: true }))).toBe("cancel");
  });

  it("restarts stopped and failed tasks, and a done human action, when a writer asks again", () => {
    expect(issueChangeEffect({ status: "cancelled", type: "auto" }, change({ startRequested: true }))).toBe("restart");
    expect(issueChangeEffect({ status: "failed", type: "auto" }, change({ startRequested: true }))).toBe("restart");
    expect(issueChangeEffect({ status: "completed", type: action }, change({ startRequested: true }))).toBe("restart");
    expect(issueChangeEffect({ status: "completed", type: "auto" }, change({ startRequested: true }))).toBe("keep");
    expect(issueChangeEffect({ status: "completed", type: action }, change({}))).toBe("keep");
    expect(issueChangeEffect({ status: "in_progress", type: "auto" }, change({ startRequested: true }))).toBe("keep");
  });
});
