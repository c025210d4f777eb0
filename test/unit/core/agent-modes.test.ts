/** What each mode makes of a done result's own fields, bad ones included (core/agent-modes.ts). */
import { describe, expect, it } from "vitest";
import { discussSummary, landsCode, readModeResult } from "../../../src/core/agent-modes.js";
import { verifyHolds } from "../../../src/core/verify.js";

const same = (s: string) => s;

describe("readModeResult", () => {
  it("verify: a verdict with findings as strings or objects", () => {
    expect(
      readModeResult("verify", { verdict: "fail", findings: ["no tests", { message: "off by one", path: "a.ts", line: 3 }, { path: "b.ts" }] }, same),
    ).toEqual({
      kind: "verify",
      verdict: "fail",
      findings: [{ message: "no tests" }, { message: "off by one", path: "a.ts", line: 3 }],
    });
    expect(readModeResult("verify", { verdict: "pass" }, same)).toEqual({ kind: "verify", verdict: "pass", findings: [] });
  });

  it("verify: no verdict, another word, findings that are no list, or a fail with nothing to fix are refused, saying why", () => {
    expect(readModeResult("verify", {}, same)).toMatchObject({ kind: "invalid", message: expect.stringContaining("must carry a verdict") });
    expect(readModeResult("verify", { verdict: "maybe" }, same)).toMatchObject({ kind: "invalid", message: expect.stringContaining('"pass" or "fail"') });
    expect(readModeResult("verify", { verdict: "pass", findings: "none" }, same)).toMatchObject({
      kind: "invalid",
      message: expect.stringContaining("must be a list"),
    });
    expect(readModeResult("verify", { verdict: "fail", findings: [] }, same)).toMatchObject({
      kind: "invalid",
      message: expect.stringContaining("what to fix"),
    });
  });

  it("review: an event other than COMMENT is noted to be downgraded; a line comment needs a path, a line and a body", () => {
    const review = { event: "approve", body: "fine", comments: [{ path: "a.ts", line: 2, body: "nit", side: "RIGHT" }] };
    expect(readModeResult("review", { review }, same)).toEqual({
      kind: "review",
      body: "fine",
      comments: [{ path: "a.ts", line: 2, side: "RIGHT", body: "nit" }],
      askedFor: "APPROVE",
    });
    expect(readModeResult("review", {}, same)).toEqual({ kind: "review", body: "", comments: [], askedFor: null });
    expect(readModeResult("review", { review: { comments: [{ path: "a.ts", line: 0, body: "x" }] } }, same)).toMatchObject({ kind: "invalid" });
    expect(readModeResult("review", { review: "great" }, same)).toMatchObject({ kind: "invalid" });
  });

  it("discuss: decisions become the summary; other modes read nothing more", () => {
    expect(readModeResult("discuss", { decisions: ["Postgres", 3] }, same)).toEqual({ kind: "discuss", decisions: ["Postgres"] });
    expect(discussSummary(["Postgres", "30\ndays"], "talked")).toBe("**Decisions:**\n- Postgres\n- 30 days\n\ntalked");
    expect(discussSummary([], "just talk")).toBe("just talk");
    expect(readModeResult("execute", { verdict: "fail" }, same)).toEqual({ kind: "plain" });
  });

  it("caps what it keeps, so what the app posts stays inside GitHub's limits", () => {
    const many = Array.from({ length: 500 }, (_, i) => `finding ${i} ${"x".repeat(5_000)}`);
    const read = readModeResult("verify", { verdict: "fail", findings: many }, same);
    expect(read.kind === "verify" && read.findings.length).toBe(50);
    expect(read.kind === "verify" && Math.max(...read.findings.map((f) => f.message.length))).toBeLessThanOrEqual(1_000);
  });

  it("agent text goes through the given cleaner", () => {
    expect(readModeResult("verify", { verdict: "fail", findings: ["ping @alice"] }, (s) => s.toUpperCase())).toMatchObject({
      findings: [{ message: "PING @ALICE" }],
    });
  });

  it("only verify and review keep nothing they write", () => {
    expect(["execute", "research", "discuss", "verify", "review"].filter((m) => landsCode(m as never))).toEqual(["execute", "research", "discuss"]);
  });
});

describe("verifyHolds", () => {
  const work = (
    id: string,
    status: string,
    extra: Partial<{ phaseId: string | null; category: string; fixesTaskId: string | null; issueNumber: number | null }> = {},
  ) => ({
    id,
    status: status as never,
    phaseId: "p1",
    category: "execute",
    fixesTaskId: null,
    issueNumber: Number(id.slice(1)),
    ...extra,
  });
  it("waits for the phase's other work and its own fix tasks, not for cancelled work or other verifications", () => {
    const verify = { id: "v9", phaseId: "p1" };
    expect(verifyHolds(verify, [work("t1", "completed"), work("t2", "cancelled"), work("v8", "pending", { category: "verify" })])).toEqual([]);
    expect(verifyHolds(verify, [work("t1", "in_progress"), work("t3", "pending", { phaseId: "p2" })])).toEqual(["waiting for the phase's other tasks: #1"]);
    expect(verifyHolds(verify, [work("f", "blocked", { phaseId: null, fixesTaskId: "v9", issueNumber: null })])).toEqual([
      "waiting for the phase's other tasks: a fix task being opened",
    ]);
  });
});
