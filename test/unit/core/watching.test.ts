/** The pure parts of watching agents: check-run text cuts, the Mermaid graph, each task's check-run states. */
import { describe, expect, it } from "vitest";
import { checkRunOutput, MAX_OUTPUT } from "../../../src/core/check-run-output.js";
import { mermaidTaskGraph } from "../../../src/core/mermaid-graph.js";
import { planTaskCheckRun, type CheckRunTask } from "../../../src/core/task-check-run.js";
import { cutLogLine, MAX_LOG_LINE } from "../../../src/runner/log-sink.js";

const task = (over: Partial<CheckRunTask> = {}): CheckRunTask => ({
  issueNumber: 7,
  name: "Cart",
  status: "in_progress",
  waitsForPerson: false,
  summary: null,
  lastError: null,
  blockedReason: null,
  agent: {
    name: "jolly-penguin",
    status: "running",
    startedAt: new Date(0),
    finishedAt: null,
    headSha: "a".repeat(40),
    logTail: "line",
    logTailAt: new Date(130_000),
    diffStat: null,
  },
  pullRequestHead: null,
  usage: null,
  shown: [],
  ...over,
});

describe("check-run output", () => {
  it("cuts a text over 65,535 characters at a line, keeping the code fence open", () => {
    const text = `\`\`\`\`\n${Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join("\n")}\n\`\`\`\``;
    const out = checkRunOutput({ title: "t", summary: "s", text }).text!;
    expect(out.length).toBeLessThanOrEqual(MAX_OUTPUT);
    expect(out.startsWith("````\n… (earlier lines cut)\n")).toBe(true);
    expect(out.endsWith("line 19999\n````")).toBe(true);
    expect(out.split("\n")[2]).toMatch(/^line \d+$/);
  });

  it("stores log lines over 64 KB cut, with a note", () => {
    const cut = cutLogLine("y".repeat(MAX_LOG_LINE + 10));
    expect(cut.startsWith("y".repeat(MAX_LOG_LINE))).toBe(true);
    expect(cut).toContain("line cut: 10 more characters");
    expect(cutLogLine("short")).toBe("short");
  });
});

describe("the Mermaid task graph", () => {
  it("draws dependencies, colours by status and keeps titles inside their labels", () => {
    const graph = mermaidTaskGraph([
      {
        title: "P",
        tasks: [
          { id: "a", issueNumber: 1, name: 'Evil"] --> b\n%% ```', status: "completed", dependsOn: [] },
          { id: "b", issueNumber: 2, name: "Next <b>", status: "blocked", dependsOn: ["a", "gone"] },
        ],
      },
    ]);
    expect(graph).toContain('t0["#35;1 Evil#34;#93; --#62; b #37;#37; #96;#96;#96;"]:::done');
    expect(graph).toContain('t1["#35;2 Next #60;b#62;"]:::blocked');
    expect(graph).toContain("t0 --> t1");
    expect(graph).toContain("classDef done ");
    expect(graph).not.toContain("classDef failed");
    expect(graph.split("\n").filter((l) => l.includes("```"))).toEqual(["```mermaid", "```"]);
    expect(mermaidTaskGraph([])).toBe("");
  });
});

describe("a task's check run", () => {
  it("is in progress with its agent, elapsed time and tail while it works", () => {
    const [w] = planTaskCheckRun(task());
    expect(w).toMatchObject({ status: "in_progress", title: "Agent jolly-penguin at work", name: "Codewalkers: #7 Cart" });
    expect(w!.summary).toContain("at work for 2 min 10 s");
    expect(w!.text).toContain("line");
  });

  it("is neutral when a person is asked, failure when failed, queued when blocked", () => {
    expect(planTaskCheckRun(task({ waitsForPerson: true }))[0]).toMatchObject({ status: "completed", conclusion: "neutral" });
    expect(planTaskCheckRun(task({ status: "failed", lastError: "boom\nmore" }))[0]).toMatchObject({ conclusion: "failure", title: "Failed: boom" });
    expect(planTaskCheckRun(task({ status: "blocked", blockedReason: "#3 is open" }))[0]).toMatchObject({ status: "queued", title: "Blocked: #3 is open" });
    expect(planTaskCheckRun(task({ agent: null }))).toEqual([]);
  });

  it("is not written before an agent ran: queued is what the phase's check run and PR body already list", () => {
    const unrun = { agent: null, pullRequestHead: "b".repeat(40) };
    expect(planTaskCheckRun(task({ ...unrun, status: "pending" }))).toEqual([]);
    expect(planTaskCheckRun(task({ ...unrun, status: "blocked", blockedReason: "#3 is open" }))).toEqual([]);
    // A person asked (a decision) is shown, agent or not.
    expect(planTaskCheckRun(task({ ...unrun, waitsForPerson: true }))).toEqual([expect.objectContaining({ headSha: "b".repeat(40), conclusion: "neutral" })]);
  });

  it("waits for the head people review while its phase's PR is a draft, completing the one left in progress", () => {
    const draft = { draftPhase: true, pullRequestHead: "b".repeat(40) };
    const done = planTaskCheckRun(
      task({
        ...draft,
        status: "completed",
        shown: [
          { headSha: "a".repeat(40), status: "in_progress" },
          { headSha: "b".repeat(40), status: "in_progress" },
        ],
      }),
    );
    expect(done.map((w) => [w.headSha[0], w.status, w.conclusion])).toEqual([
      ["a", "completed", "success"],
      ["b", "completed", "success"],
    ]);
    expect(planTaskCheckRun(task({ ...draft, status: "completed" }))).toEqual([]);
    // What needs someone's attention, and an agent at work, are shown on the draft's head at once.
    expect(planTaskCheckRun(task({ ...draft, status: "failed", lastError: "boom" }))).toEqual([
      expect.objectContaining({ headSha: "b".repeat(40), conclusion: "failure" }),
    ]);
    expect(planTaskCheckRun(task({ ...draft, waitsForPerson: true }))).toEqual([expect.objectContaining({ headSha: "b".repeat(40), conclusion: "neutral" })]);
    expect(planTaskCheckRun(task(draft))).toEqual([expect.objectContaining({ headSha: "b".repeat(40), status: "in_progress" })]);
  });

  it("moves to the pull request's head and completes the one left in progress", () => {
    const writes = planTaskCheckRun(
      task({ status: "completed", pullRequestHead: "b".repeat(40), shown: [{ headSha: "a".repeat(40), status: "in_progress" }] }),
    );
    expect(writes.map((w) => [w.headSha[0], w.status, w.conclusion])).toEqual([
      ["b", "completed", "success"],
      ["a", "completed", "success"],
    ]);
  });
});

describe("the initiative pull request's body", () => {
  it("carries the graph of every phase's tasks and the usage per phase and in all", async () => {
    const { planPullRequests } = await import("../../../src/core/plan-pull-requests.js");
    const usage = { runs: 1, inputTokens: 1000, outputTokens: 100, costUsd: 0.5 };
    const t = (n: number, phaseId: string, dependsOn: string[] = []) => ({
      id: `t${n}`,
      issueNumber: n,
      name: `Task ${n}`,
      status: "completed" as const,
      summary: null,
      phaseId,
      initiativeId: "i1",
      branch: `cw/task-${n}`,
      issueState: "open" as const,
      usage,
      dependsOn,
    });
    const phase = (id: string, n: number) => ({
      id,
      initiativeId: "i1",
      issueNumber: n,
      name: `Phase ${n}`,
      branch: `cw/x--phase-${n}`,
      status: "completed" as const,
      issueState: "closed" as const,
      labels: [],
    });
    const merged = (id: string, subjectId: string, head: string) => ({
      id,
      kind: "phase" as const,
      subjectId,
      head,
      base: "cw/x",
      number: 1,
      headSha: "abc",
      state: "closed" as const,
      draft: false,
      merged: true,
      bodyHash: null,
      approvedSha: null,
      reviewRequested: false,
    });
    const plan = planPullRequests({
      defaultBranch: "main",
      reviewers: [],
      mergeMethod: "merge",
      initiatives: [
        { id: "i1", name: "X", branch: "cw/x", milestoneNumber: 1, status: "active", executionMode: "review_per_phase", mergeRequiresApproval: true },
      ],
      phases: [phase("p1", 10), phase("p2", 20)],
      tasks: [t(1, "p1"), t(2, "p2", ["t1"])],
      prs: [merged("a", "p1", "cw/x--phase-10"), merged("b", "p2", "cw/x--phase-20")],
    });
    const body = plan.actions.find((a) => a.kind === "ensure-pull-request" && a.subject.kind === "initiative") as { body: string } | undefined;
    expect(body?.body).toContain('subgraph g0["#35;10 Phase 10"]');
    expect(body?.body).toContain("t0 --> t1");
    expect(body?.body).toContain("**Usage of the initiative:** 2 runs, 2,000 input + 200 output tokens, $1.0000");
    expect(body?.body).toContain("- #10 Phase 10: 1 run, 1,000 input + 100 output tokens, $0.5000");
  });
});
