/**
 * The runner issue end to end: labels on a (local, real) repository produce commits on pushed
 * branches by an agent process; the summary reaches the next task; questions round-trip;
 * failures retry and then fail visibly; stop kills the whole process group; a dead runner's
 * task is taken back and resumed. GitHub is the fake; git is real; the agent is the fake agent
 * run through the `command` adapter.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { agentLogChunks, agents, tasks } from "../../src/db/schema.js";
import { FAKE_AGENT, useFakeAgentApp } from "../support/fake-agent-app.js";
import type { FakeGitHub } from "../support/fake-github/index.js";
import { branchSha, logSubjects, readFileAt, type BareRemote } from "../support/git-fixtures.js";
import { READER, WRITER } from "../support/payloads.js";
import { fakeAgentScript, installedRepository, runUntilQuiet, statusOf } from "../support/flows.js";
import { alive, hostPid, waitFor } from "../support/processes.js";
import { useStrictNock } from "../support/strict-nock.js";
import { dropBox } from "../support/scratch.js";

useStrictNock();
const { booted, scratch } = useFakeAgentApp("cw-runner-e2e-", { config: () => ({ agentCommand: AGENT_COMMAND }), runner: { maxRetries: 1 } });
const captures = dropBox(path.join(scratch, "captures"));
// The agent command copies what the agent was given (its input files and environment), then
// runs the fake agent: the test can read what each run saw after its worktree is gone. (Each run
// is another OS user: what one leaves in the drop box, the next must be able to overwrite.)
const AGENT_COMMAND = [
  "umask 000",
  `rm -rf "${captures}/$CW_TASK_ID"`,
  `mkdir -p "${captures}/$CW_TASK_ID"`,
  `cp -r "$CW_INPUT_DIR/." "${captures}/$CW_TASK_ID/"`,
  `env > "${captures}/$CW_TASK_ID/env.txt"`,
  `export FAKE_AGENT_PIDFILE="${captures}/$CW_TASK_ID/grandchild.pid"`,
  `exec node "${FAKE_AGENT}"`,
].join(" && ");

const script = fakeAgentScript;

function setup(): Promise<{ fake: FakeGitHub; remote: BareRemote }> {
  return installedRepository(booted, { "README.md": "# Greeter\n" });
}

function capturedFile(taskId: string, file: string): string {
  return readFileSync(path.join(captures, taskId, file), "utf8");
}

async function taskFor(issueNumber: number) {
  const [task] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, issueNumber));
  return task!;
}

describe("the runner", () => {
  it("turns labelled issues into commits on the initiative branch, and hands the summary to the next task", async () => {
    const { fake, remote } = await setup();
    const m = fake.createMilestone({ title: "Greeting" });
    const first = fake.openIssue({
      title: "Write the greeting",
      milestone: m,
      body:
        "Create greeting.txt." +
        script({
          steps: [
            { behavior: "print", lines: ["thinking about greetings"] },
            { behavior: "edit", files: { "greeting.txt": "hello\n" }, summary: "Wrote greeting.txt saying hello." },
          ],
        }),
    });
    const second = fake.openIssue({
      title: "Shout the greeting",
      milestone: m,
      body: `Depends on #${first}${script({ behavior: "edit", files: { "shout.txt": "HELLO\n" }, summary: "Added shout.txt." })}`,
    });
    fake.addLabels(first, ["cw:run"], WRITER);
    fake.addLabels(second, ["cw:run"], WRITER);
    await fake.converge(booted.app.port, booted.settle);
    expect(statusOf(fake, first)).toEqual(["cw:ready"]);
    expect(statusOf(fake, second)).toEqual(["cw:blocked"]);

    await runUntilQuiet(booted, fake);

    // Both agents' work is on the initiative branch, each through its own task branch.
    expect(await readFileAt(remote, "cw/greeting", "greeting.txt")).toBe("hello\n");
    expect(await readFileAt(remote, "cw/greeting", "shout.txt")).toBe("HELLO\n");
    expect(await readFileAt(remote, "cw/greeting", ".cw/input/task.md")).toBeUndefined();
    const subjects = await logSubjects(remote, "cw/greeting");
    expect(subjects).toContain("Write the greeting");
    expect(subjects.some((s) => s.startsWith("Merge cw/task-"))).toBe(true);
    expect(await branchSha(remote, "main")).toBe(await branchSha(remote, "main")); // the default branch is untouched
    expect(await readFileAt(remote, "main", "greeting.txt")).toBeUndefined();

    const a = await taskFor(first);
    const b = await taskFor(second);
    expect(a).toMatchObject({ status: "completed", summary: "Wrote greeting.txt saying hello." });
    expect(b).toMatchObject({ status: "completed", summary: "Added shout.txt." });
    expect(statusOf(fake, first)).toEqual(["cw:done"]);
    expect(statusOf(fake, second)).toEqual(["cw:done"]);

    // One status comment per issue, kept up to date: it ends with the summary and the diff stat.
    const comments = fake.commentsOn(first).filter((c) => c.body.includes("Agent `"));
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("finished this task");
    expect(comments[0]!.body).toContain("Wrote greeting.txt saying hello.");
    expect(comments[0]!.body).toContain("1 file, +1 −0");

    // The second agent was told what the first one did.
    const context = capturedFile(b.id, `context/tasks/${first}.md`);
    expect(context).toContain("Wrote greeting.txt saying hello.");
    expect(context).toContain("status: completed");
    const taskMd = capturedFile(b.id, "task.md");
    expect(taskMd).toContain(`issue_number: ${second}`);
    expect(taskMd).toContain(`- ${first}`);

    // The agent's output was stored, and its environment held no secret.
    const chunks = await booted.database.db.select().from(agentLogChunks);
    expect(chunks.length).toBeGreaterThan(0);
    const env = capturedFile(a.id, "env.txt");
    for (const secret of ["PRIVATE_KEY", "WEBHOOK_SECRET", "DATABASE_URL", "CW_SECRET_KEY", "GITHUB_TOKEN"]) {
      expect(env).not.toMatch(new RegExp(`^${secret}=`, "m"));
    }
    expect(env).toMatch(/^CW_MODE=execute$/m);
    expect(env).toMatch(new RegExp(`^CW_TASK_ID=${a.id}$`, "m"));
  });

  it("posts an agent's questions, and resumes the same session with a writer's answer", async () => {
    const { fake, remote } = await setup();
    const n = fake.openIssue({
      title: "Pick a colour",
      body: `Paint it.${script({ behavior: "ask", questions: [{ id: "q1", question: "Which colour?" }], files: { "colour.txt": "chosen\n" } })}`,
      labels: ["cw:run"],
    });
    await runUntilQuiet(booted, fake);
    expect(statusOf(fake, n)).toEqual(["cw:needs-input"]);
    const asked = fake.commentsOn(n).find((c) => c.body.includes("Which colour?"));
    expect(asked).toBeDefined();

    fake.comment(n, "I am not a writer, but: red", READER);
    await runUntilQuiet(booted, fake);
    expect(statusOf(fake, n)).toEqual(["cw:needs-input"]); // a reader's comment is not an answer

    fake.comment(n, "Blue, please.", WRITER);
    await runUntilQuiet(booted, fake);
    const task = await taskFor(n);
    expect(task.status).toBe("completed");
    expect(task.summary).toContain("Blue, please.");
    // Done; a standalone task's work now waits in its own pull request.
    expect(statusOf(fake, n)).toEqual(["cw:in-review"]);
    expect(capturedFile(task.id, "answers.md")).toContain("Blue, please.");
    expect(capturedFile(task.id, "env.txt")).toMatch(/^CW_RESUME=1$/m);
    // A standalone task's work is on its own branch, from the default branch.
    expect(await readFileAt(remote, task.branch!, "colour.txt")).toBe("chosen\n");
    expect(task.branch).toMatch(/^cw\/issue-\d+-pick-a-colour$/);
  });

  it("retries a crashed agent, then fails visibly with the log's tail; /cw retry starts again", async () => {
    const { fake } = await setup();
    const n = fake.openIssue({
      title: "Doomed",
      body: script({
        steps: [
          { behavior: "print", lines: ["working hard", "something broke"] },
          { behavior: "crash", code: 3 },
        ],
      }),
      labels: ["cw:run"],
    });
    await runUntilQuiet(booted, fake);
    let task = await taskFor(n);
    expect(task).toMatchObject({ status: "pending", retryCount: 1 });
    expect(task.runAfter!.getTime()).toBeGreaterThan(Date.now());

    await booted.database.db
      .update(tasks)
      .set({ runAfter: new Date(0) })
      .where(eq(tasks.id, task.id));
    await runUntilQuiet(booted, fake);
    task = await taskFor(n);
    expect(task.status).toBe("failed");
    expect(statusOf(fake, n)).toEqual(["cw:failed"]);
    const report = fake.commentsOn(n).find((c) => c.body.includes("could not finish"));
    expect(report?.body).toContain("something broke");
    expect(await booted.database.db.select().from(agents).where(eq(agents.taskId, task.id))).toHaveLength(2);

    fake.comment(n, "/cw retry", WRITER);
    await fake.converge(booted.app.port, booted.settle);
    expect((await taskFor(n)).status).toBe("pending");
    expect(statusOf(fake, n)).toEqual(["cw:ready"]);
  });

  it("/cw stop kills the agent and its grandchild within seconds", async () => {
    const { fake } = await setup();
    const n = fake.openIssue({ title: "Forever", body: script({ behavior: "spawn-grandchild" }), labels: ["cw:run"] });
    await fake.converge(booted.app.port, booted.settle);
    const pidFile = path.join(captures, (await taskFor(n)).id, "grandchild.pid");
    expect(await booted.app.dispatcher.dispatchOnce()).toBe(1);
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim().length > 0, 10_000);
    // As root the agent runs in a PID namespace of its own: the pid it wrote is the namespace's.
    // Through sudo (not root: the Docker image's mode) there is none, and it is the host's.
    const written = Number(readFileSync(pidFile, "utf8").trim());
    const grandchild = process.getuid!() === 0 ? hostPid(written)! : written;
    expect(grandchild).toBeGreaterThan(0);
    expect(alive(grandchild)).toBe(true);
    await fake.converge(booted.app.port, booted.settle);
    expect(statusOf(fake, n)).toEqual(["cw:in-progress"]);

    fake.comment(n, "/cw stop", WRITER);
    await fake.converge(booted.app.port, booted.settle);
    await booted.app.dispatcher.idle();
    await waitFor(() => !alive(grandchild), 10_000);
    await fake.converge(booted.app.port, booted.settle);
    expect((await taskFor(n)).status).toBe("cancelled");
    expect(statusOf(fake, n)).toEqual([]);
    const [agent] = await booted.database.db.select().from(agents);
    expect(agent!.status).toBe("stopped");
  });

  it("takes back a dead runner's task when its lease lapses, and resumes its session", async () => {
    const { fake, remote } = await setup();
    const n = fake.openIssue({
      title: "Survive a crash",
      body: script({ behavior: "edit", files: { "survived.txt": "yes\n" }, summary: "Survived." }),
      labels: ["cw:run"],
    });
    await fake.converge(booted.app.port, booted.settle);
    const task = await taskFor(n);
    // A runner on another host claimed it, started an agent with a session, and died.
    await booted.database.db
      .update(tasks)
      .set({ status: "in_progress", attempt: 1, claimedBy: "dead-host:1:x", leaseExpiresAt: sql`now() - interval '1 minute'` })
      .where(eq(tasks.id, task.id));
    await booted.database.db.insert(agents).values({
      name: "ghostly-otter",
      taskId: task.id,
      worktreeId: "ghostly-otter",
      provider: "command",
      status: "running",
      sessionId: "session-from-before",
      attempt: 1,
      runnerId: "dead-host:1:x",
    });

    await runUntilQuiet(booted, fake);
    const done = await taskFor(n);
    expect(done).toMatchObject({ status: "completed", attempt: 2, summary: "Survived." });
    expect(capturedFile(done.id, "env.txt")).toMatch(/^CW_RESUME=1$/m);
    expect(await readFileAt(remote, done.branch!, "survived.txt")).toBe("yes\n");
    const runs = await booted.database.db.select().from(agents).where(eq(agents.taskId, task.id));
    expect(runs).toHaveLength(2);
    // The dead runner's late result is fenced out: it matches no row.
    const { finishRun } = await import("../../src/core/commands/finish-run.js");
    const late = await finishRun(booted.database.db, {
      fence: { taskId: task.id, attempt: 1, runnerId: "dead-host:1:x" },
      agentId: runs.find((r) => r.name === "ghostly-otter")!.id,
      exitCode: 0,
      sessionId: null,
      logTail: "",
      end: { kind: "failed", error: "late", comment: "late" },
    });
    expect(late).toBe(false);
    expect((await taskFor(n)).status).toBe("completed");
  });
});
