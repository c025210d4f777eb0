/**
 * The repository config's `agent` key: a repository that says `agent: command` has its tasks
 * run by the command adapter even where the runner's own CW_AGENT is another (here codex, whose
 * binary is missing on purpose); without the key, the runner's agent runs. Real git, the fake
 * agent, the fake GitHub.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { agents, tasks } from "../../src/db/schema.js";
import { useFakeAgentApp } from "../support/fake-agent-app.js";
import { FakeGitHub } from "../support/fake-github/index.js";
import { createBareRemote, readFileAt } from "../support/git-fixtures.js";
import { WRITER } from "../support/payloads.js";
import { fakeAgentScript, install, runUntilQuiet, statusOf } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const { booted, scratch } = useFakeAgentApp("cw-repo-agent-", {
  config: { agent: "codex", maxAgents: 1 },
  runner: () => ({ agentEnv: { CW_CODEX_BIN: path.join(scratch, "no-such-codex") } }),
});

async function runOneTask(config: string | null) {
  const remote = await createBareRemote({ files: { "README.md": "# Shop\n" } });
  const fake = new FakeGitHub({ repositories: [{ cloneUrl: remote.path, files: config === null ? {} : { ".github/codewalkers.yml": config } }] });
  await install(booted, fake);
  const n = fake.openIssue({
    title: "Write the notes",
    body: fakeAgentScript({ behavior: "edit", files: { "notes.txt": "notes\n" }, summary: "Wrote them." }),
  });
  fake.addLabels(n, ["cw:run"], WRITER);
  await runUntilQuiet(booted, fake);
  const [task] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, n));
  const ran = await booted.database.db.select().from(agents).where(eq(agents.taskId, task!.id));
  return { fake, remote, n, task: task!, ran };
}

describe("the repository's agent", () => {
  it("`agent: command` runs the command adapter where the runner's CW_AGENT is codex", async () => {
    const { fake, remote, n, task, ran } = await runOneTask("agent: command\n");
    expect(task).toMatchObject({ status: "completed", summary: "Wrote them." });
    expect(ran.map((a) => a.provider)).toEqual(["command"]);
    expect(statusOf(fake, n)).toEqual(["cw:in-review"]);
    expect(await readFileAt(remote, task.branch!, "notes.txt")).toBe("notes\n");
  });

  it("without the key, the runner's own agent runs (codex, missing here: the run fails and says so)", async () => {
    const { fake, n, task, ran } = await runOneTask(null);
    expect(task.status).toBe("failed");
    expect(ran.map((a) => a.provider)).toEqual(["codex"]);
    expect(fake.commentsOn(n).some((c) => c.body.includes("no-such-codex"))).toBe(true);
  });
});
