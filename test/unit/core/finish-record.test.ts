/** A journaled finish reads back as exactly what was written, dates included; anything else says why. */
import { describe, expect, it } from "vitest";
import type { FinishInput, RunEnd } from "../../../src/core/commands/finish-run.js";
import { decodeFinish, encodeFinish, replayStep } from "../../../src/core/finish-record.js";

const base = { fence: { taskId: "t-1", attempt: 3, runnerId: "host:1:abc" }, agentId: "a-1", exitCode: 0, sessionId: "s-1", logTail: "line\n" };

const ends: RunEnd[] = [
  {
    kind: "completed",
    summary: "Did it.",
    comment: "✅ done",
    usage: { inputTokens: 12, nested: { cache: [1, 2] } },
    costUsd: 0.25,
    noChanges: true,
    verdict: { verdict: "pass", findings: [{ message: "ok", path: "a.ts", line: 3 }], headSha: "abc" },
    review: { commitId: "abc", body: "b", summary: "s", comments: [{ path: "a.ts", line: 2, startLine: 1, side: "RIGHT", body: "c" }], askedFor: null },
    headSha: "def",
    diffStat: "1 file, +1 −0",
    plan: {
      mode: "plan",
      plan: {
        phases: [{ key: "p1", title: "P", body: "", dependsOn: [] }],
        tasks: [
          {
            key: "t1",
            title: "T",
            body: "",
            phase: { key: "p1" },
            parent: null,
            dependsOn: [{ number: 4 }],
            category: "execute",
            type: "auto",
            priority: "medium",
          },
        ],
        pages: [{ path: "a.md", title: "A", body: "x" }],
        edits: [{ issue: 4, title: "t", close: false }],
      },
    },
  },
  { kind: "completed", summary: "s", comment: "c" },
  { kind: "verify-failed", agentName: "jolly-penguin", summary: "s", findings: [{ message: "m" }], headSha: "abc" },
  { kind: "questions", questions: [{ id: "q1", question: "Which?" }], comment: "c", sessionId: null },
  { kind: "retry", error: "e", comment: "c", runAfter: new Date("2030-01-02T03:04:05.678Z") },
  { kind: "failed", error: "e", comment: "c" },
  { kind: "requeue", reason: "r", runAfter: new Date("2030-01-02T03:04:05.000Z"), comment: { marker: "m", body: "b" } },
  { kind: "requeue", reason: "r", runAfter: null },
  { kind: "stopped", comment: "c" },
];

describe("a journaled finish", () => {
  it.each(ends.map((end) => [end.kind, end] as const))("round trips a %s end", (_kind, end) => {
    const input: FinishInput = { ...base, end, usage: { usage: { tokens: 1 }, costUsd: null } };
    // Dates compare by value: a date read back as a string would not be equal.
    expect(decodeFinish(encodeFinish(input))).toEqual({ ok: true, input });
  });

  it("says why a text is not one", () => {
    expect(decodeFinish('{"fence":')).toMatchObject({ ok: false, problem: expect.stringContaining("not JSON") });
    const wrong = JSON.parse(encodeFinish({ ...base, end: { kind: "retry", error: "e", comment: "c", runAfter: new Date() } })) as Record<string, unknown>;
    expect(decodeFinish(JSON.stringify({ ...wrong, end: { kind: "retry", error: "e", comment: "c", runAfter: "soon" } }))).toMatchObject({ ok: false });
    expect(decodeFinish(JSON.stringify({ ...wrong, end: { kind: "exploded" } }))).toMatchObject({ ok: false });
  });
});

describe("replaying a journaled finish", () => {
  const text = encodeFinish({ ...base, end: { kind: "failed", error: "e", comment: "c" } });
  it("records it while its agent is still running", () => {
    expect(replayStep(text, "running")).toMatchObject({ kind: "finish", input: { agentId: "a-1" } });
  });
  it("drops it when the first life recorded it already, or its agent is gone", () => {
    for (const status of ["idle", "waiting_for_input", "stopped", "crashed"] as const) expect(replayStep(text, status).kind).toBe("drop");
    expect(replayStep(text, undefined).kind).toBe("drop");
  });
  it("sets aside what it cannot read", () => {
    expect(replayStep("garbage", "running").kind).toBe("set-aside");
  });
});
