import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { writeContextFiles, writeMergeFile, type TaskContext } from "../../src/runner/context-files.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "cw-context-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshDir = () => path.join(tmp, `run-${++n}`, ".cw", "input");

/** A markdown file split into its parsed front matter and its body. */
function readMarkdown(file: string): { data: Record<string, unknown>; body: string } {
  const text = readFileSync(file, "utf8");
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!match) throw new Error(`no front matter in ${file}:\n${text}`);
  return { data: parse(match[1]!) as Record<string, unknown>, body: match[2]! };
}

const NASTY_TITLE = "Fix \"login\": redirect\n---\n# not a heading: {x: [1, 2]} # 'quoted' & *alias";

function context(overrides: Partial<TaskContext> = {}): TaskContext {
  return {
    task: {
      id: "7c1e2d9a-0000-4000-8000-000000000001",
      issueNumber: 42,
      title: NASTY_TITLE,
      body: "Users are sent to /home after login.\n\n---\n\nExpected: back to where they were.",
      category: "execute",
      type: "auto",
      priority: "high",
      phase: { issueNumber: 40, name: "Phase 2: auth" },
      initiative: { milestoneNumber: 3, name: "User auth" },
      dependencies: [38, 39],
    },
    initiative: { name: "User auth", description: "Everything about logging in.", branch: "cw/user-auth" },
    phase: { name: "Phase 2: auth", content: "Sessions and redirects.", branch: "cw/user-auth-phase-2" },
    relatedTasks: [
      { issueNumber: 38, title: "Add sessions", status: "completed", summary: "Added a session table: yes.", dependency: true },
      { issueNumber: 41, title: "null", status: "pending", summary: null, dependency: false },
    ],
    ...overrides,
  };
}

describe("writeContextFiles", () => {
  it("a refine's task.md: no issue, its pull request and reviews in front matter, the reviews as body", async () => {
    const dir = freshDir();
    const base = context();
    await writeContextFiles(dir, {
      ...base,
      task: { ...base.task, issueNumber: null, category: "refine", title: "Changes requested on #50 by @alice", body: "## Review by @alice\n\nRename it." },
      refine: {
        pullRequest: { number: 50, head: "cw/user-auth--phase-40", base: "cw/user-auth" },
        reviews: [{ id: 900, reviewer: "alice", url: "https://github.com/o/r/pull/50#pullrequestreview-900" }],
      },
    });
    const { data, body } = readMarkdown(path.join(dir, "task.md"));
    expect(data).toMatchObject({
      issue_number: null,
      category: "refine",
      pull_request: { number: 50, head: "cw/user-auth--phase-40", base: "cw/user-auth" },
      reviews: [{ id: 900, reviewer: "alice", url: "https://github.com/o/r/pull/50#pullrequestreview-900" }],
    });
    expect(body).toBe("\n## Review by @alice\n\nRename it.\n");
  });

  it("writes task.md with the task's facts in front matter and the issue text as body", async () => {
    const dir = freshDir();
    await writeContextFiles(dir, context());
    const { data, body } = readMarkdown(path.join(dir, "task.md"));
    expect(data).toEqual({
      task_id: "7c1e2d9a-0000-4000-8000-000000000001",
      issue_number: 42,
      title: NASTY_TITLE,
      category: "execute",
      type: "auto",
      priority: "high",
      phase: { issue_number: 40, name: "Phase 2: auth" },
      initiative: { milestone_number: 3, name: "User auth" },
      dependencies: [38, 39],
    });
    expect(body).toBe("\nUsers are sent to /home after login.\n\n---\n\nExpected: back to where they were.\n");
  });

  it("writes initiative.md and phase.md", async () => {
    const dir = freshDir();
    await writeContextFiles(dir, context());
    expect(readMarkdown(path.join(dir, "initiative.md"))).toEqual({
      data: { name: "User auth", branch: "cw/user-auth" },
      body: "\nEverything about logging in.\n",
    });
    expect(readMarkdown(path.join(dir, "phase.md"))).toEqual({
      data: { name: "Phase 2: auth", branch: "cw/user-auth-phase-2" },
      body: "\nSessions and redirects.\n",
    });
  });

  it("writes one file per related task with its status and summary", async () => {
    const dir = freshDir();
    await writeContextFiles(dir, context());
    expect(readdirSync(path.join(dir, "context", "tasks")).sort()).toEqual(["38.md", "41.md"]);
    expect(readMarkdown(path.join(dir, "context", "tasks", "38.md"))).toEqual({
      data: { issue_number: 38, title: "Add sessions", status: "completed", summary: "Added a session table: yes.", dependency: true },
      body: "\n# Add sessions\n",
    });
    // A title that reads like a YAML keyword stays a string; a missing summary is null.
    expect(readMarkdown(path.join(dir, "context", "tasks", "41.md")).data).toEqual({
      issue_number: 41,
      title: "null",
      status: "pending",
      summary: null,
      dependency: false,
    });
  });

  it("leaves out initiative.md, phase.md, related tasks and answers.md when there are none", async () => {
    const dir = freshDir();
    await writeContextFiles(
      dir,
      context({
        task: { ...context().task, phase: null, initiative: null, dependencies: [] },
        initiative: null,
        phase: null,
        relatedTasks: [],
      }),
    );
    expect(readdirSync(dir)).toEqual(["task.md"]);
    const { data } = readMarkdown(path.join(dir, "task.md"));
    expect(data).toMatchObject({ phase: null, initiative: null, dependencies: [] });
  });

  it("writes answers.md when answers are given", async () => {
    const dir = freshDir();
    const answers = [
      { id: "q1", question: "Which database?\nPostgres or SQLite?", answer: "Postgres: we have it." },
      { id: "q2", question: "Keep the old route?", answer: "No.\n\n---\nRemove it." },
    ];
    await writeContextFiles(dir, context({ answers }));
    const { data, body } = readMarkdown(path.join(dir, "answers.md"));
    expect(data).toEqual({ answers });
    expect(body).toContain("## q1\n\n> Which database?\n> Postgres or SQLite?\n\nPostgres: we have it.");
    expect(body).toContain("## q2");
  });

  it("removes what an earlier run left behind", async () => {
    const dir = freshDir();
    await writeContextFiles(dir, context({ answers: [{ id: "q1", question: "?", answer: "yes" }] }));
    writeFileSync(path.join(dir, "notes-of-the-agent.md"), "kept");
    mkdirSync(path.join(dir, "context", "tasks"), { recursive: true });
    writeFileSync(path.join(dir, "context", "tasks", "99.md"), "stale");
    await writeContextFiles(dir, context({ relatedTasks: [], initiative: null }));
    expect(existsSync(path.join(dir, "answers.md"))).toBe(false);
    expect(existsSync(path.join(dir, "initiative.md"))).toBe(false);
    expect(existsSync(path.join(dir, "context"))).toBe(false);
    expect(readFileSync(path.join(dir, "notes-of-the-agent.md"), "utf8")).toBe("kept");
  });

  it("refuses a related task whose issue number is not one", async () => {
    const dir = freshDir();
    const bad = context({
      relatedTasks: [{ issueNumber: Number.NaN, title: "x", status: "pending", summary: null, dependency: false }],
    });
    await expect(writeContextFiles(dir, bad)).rejects.toThrow(/invalid issue number/);
  });
});

describe("writeMergeFile", () => {
  it("writes merge.md: both branches and tips, the conflicted files and the task's summary, and how to read the markers", async () => {
    const dir = freshDir();
    await writeContextFiles(dir, context());
    const merge = {
      sourceBranch: "cw/task-42-fix-login",
      sourceSha: "a".repeat(40),
      targetBranch: "cw/user-auth--phase-40",
      targetSha: "b".repeat(40),
      conflictedFiles: ["src/login.ts", "docs/a: b.md"],
      taskSummary: 'Redirects back: "next" param.\n---\nmore',
    };
    await writeMergeFile(dir, merge);
    const { data, body } = readMarkdown(path.join(dir, "merge.md"));
    expect(data).toEqual({
      source_branch: merge.sourceBranch,
      source_sha: merge.sourceSha,
      target_branch: merge.targetBranch,
      target_sha: merge.targetSha,
      conflicted_files: merge.conflictedFiles,
      task_summary: merge.taskSummary,
    });
    expect(body).toContain("# Merge `cw/task-42-fix-login` into `cw/user-auth--phase-40`");
    expect(body).toContain("`>>>>>>> origin/cw/task-42-fix-login`");
    // Beside the task's own input, which a later writeContextFiles clears it from.
    expect(existsSync(path.join(dir, "task.md"))).toBe(true);
    await writeContextFiles(dir, context());
    expect(existsSync(path.join(dir, "merge.md"))).toBe(false);
  });
});
