/**
 * Every bad plan.json the issue lists fails its planning task with the problem quoted in one
 * comment, pings nobody, and creates nothing. All of them run at once, one plan issue each.
 */
import { describe, expect, it } from "vitest";
import { changeSets, tasks } from "../../src/db/schema.js";
import { useFakeAgentApp } from "../support/fake-agent-app.js";
import { fakeAgentScript, installedRepository, runUntilQuiet } from "../support/flows.js";
import { planBody } from "../support/plan-scripts.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const { booted } = useFakeAgentApp("cw-plan-bad-");

/** [what is wrong, the plan issue's body, what the comment must quote] */
const CASES: [string, string, string][] = [
  ["missing", `No plan.${fakeAgentScript({ behavior: "done", summary: "Forgot the plan." })}`, "`.cw/output/plan.json` is missing"],
  ["not JSON", planBody("{ phases: oops"), "is not JSON"],
  ["schema", planBody({ phases: [{ key: "p1" }] }), "phases[0].title: expected a title"],
  ["unknown key", planBody({ tasks: [{ key: "t1", title: "A", owner: "me" }] }), "tasks[0].owner: unknown key"],
  ["unknown #N", planBody({ tasks: [{ key: "t1", title: "A", dependsOn: ["#999"] }] }), "#999 is not an issue Codewalkers knows"],
  ["unknown key reference", planBody({ tasks: [{ key: "t1", title: "A", dependsOn: ["nope"] }] }), '"nope" is not a key of this plan'],
  [
    "cycle",
    planBody({
      tasks: [
        { key: "a", title: "A", dependsOn: ["b"] },
        { key: "b", title: "B", dependsOn: ["a"] },
      ],
    }),
    "dependency cycle between tasks: a → b → a",
  ],
  ["unknown phase", planBody({ tasks: [{ key: "t1", title: "A", phase: "p9" }] }), '"p9" is not a phase of this plan'],
  ["empty title", planBody({ tasks: [{ key: "t1", title: "   " }] }), "tasks[0].title: the title is empty"],
  ["500 tasks", planBody({ tasks: Array.from({ length: 500 }, (_, i) => ({ key: `t${i}`, title: "x" })) }), "500 tasks or more"],
  // Escaped in the JSON, so the plan issue's own sanitizing leaves them for the agent to write.
  [
    "hidden comment",
    planBody('{"tasks":[{"key":"t1","title":"A","body":"Fine \\u003c!-- secret --\\u003e text"}]}'),
    "tasks[0].body: holds text GitHub would not show",
  ],
  ["invisible characters", planBody('{"tasks":[{"key":"t1","title":"A\\u200bB"}]}'), "tasks[0].title: holds text GitHub would not show"],
  ["mention", planBody({ phases: [{ key: "p", title: "Ask @alice and @acme/everyone" }] }), "phases[0].title: mentions @\u200balice, @\u200bacme/everyone"],
  ["page path ..", planBody({ pages: [{ path: "../../README.md", title: "Up" }] }), 'pages[0].path: "../../README.md" goes up a folder'],
  ["page path absolute", planBody({ pages: [{ path: "/etc/passwd.md", title: "Abs" }] }), 'pages[0].path: "/etc/passwd.md" is absolute'],
];

describe("bad plans", () => {
  it("each fails its task with the problem quoted in one comment, and creates nothing", { timeout: 120_000 }, async () => {
    const { fake } = await installedRepository(booted, { "README.md": "# App\n" });
    const m = fake.createMilestone({ title: "Bad plans" });
    const issues = CASES.map(([what, body]) => fake.openIssue({ title: `Plan: ${what}`, milestone: m, labels: ["cw:plan", "cw:run"], body }));
    await runUntilQuiet(booted, fake);

    expect(fake.requests.filter((r) => r.route === "POST /repos/{owner}/{repo}/issues")).toHaveLength(0);
    expect(await booted.database.db.select().from(changeSets)).toEqual([]);
    const rows = await booted.database.db.select().from(tasks);
    expect(rows).toHaveLength(CASES.length);
    expect(rows.every((t) => t.status === "failed")).toBe(true);
    for (const [i, [what, , quoted]] of CASES.entries()) {
      const comments = fake.commentsOn(issues[i]!).filter((c) => c.user.login.endsWith("[bot]"));
      expect(comments, what).toHaveLength(1);
      expect(comments[0]!.body, what).toContain("nothing was created");
      expect(comments[0]!.body, what).toContain(quoted);
      expect(comments[0]!.body, what).not.toMatch(/(^|[^\u200b])@alice/);
    }
  });
});
