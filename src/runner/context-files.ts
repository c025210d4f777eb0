/**
 * The agent's input (DESIGN §3, "Agent protocol"): markdown files with YAML front matter in
 * `.cw/input/`. Front matter is written by the `yaml` package, so any title (quotes, colons,
 * newlines, a line of `---`) stays inside its value.
 *
 *   task.md                   front matter: the task; body: the issue text (already sanitized); for a
 *                             refine: its pull request and reviews; body: the reviews and line comments
 *   initiative.md             the milestone: name, branch; body: its description
 *   phase.md                  the phase: name, branch; body: its content
 *   context/tasks/<issue>.md  each related task: status, summary; body: its title
 *   answers.md                the answers to the agent's questions, when resuming
 *   merge.md                  for a merge agent: the conflicted files, both branches and tips,
 *                             and the task's summary (front matter); how to read the markers (body)
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import type { TaskCategory, TaskPriority, TaskStatus, TaskType } from "../core/statuses.js";

export interface TaskContext {
  task: {
    id: string;
    /** Null for a refine task: it has no issue (see `refine`). */
    issueNumber: number | null;
    title: string;
    /** The issue text, already sanitized. */
    body: string;
    category: TaskCategory;
    type: TaskType;
    priority: TaskPriority;
    /** The phase issue the task belongs to, if any. */
    phase: { issueNumber: number; name: string } | null;
    /** The milestone the task belongs to, if any. */
    initiative: { milestoneNumber: number; name: string } | null;
    /** Issue numbers of the tasks this one depends on. */
    dependencies: number[];
  };
  initiative: { name: string; description: string; branch: string } | null;
  phase: { name: string; content: string; branch: string } | null;
  relatedTasks: {
    issueNumber: number;
    title: string;
    status: TaskStatus | string;
    summary: string | null;
    /** True when the task being run depends on this one. */
    dependency: boolean;
  }[];
  /** Present when resuming after questions. */
  answers?: { id: string; question: string; answer: string }[];
  /**
   * The session to resume was gone: a fresh start, told the conversation so far in answers.md
   * (the questions it asked and the answers given).
   */
  sessionLost?: { sessionId: string; answers: { id: string; question: string; answer: string }[] };
  /** A refine task: the pull request whose requested changes it makes, and the reviews that asked. */
  refine?: {
    pullRequest: { number: number; head: string; base: string };
    reviews: { id: number; reviewer: string; url: string | null }[];
  };
}

/** Files this module writes; removed first, so nothing from an earlier run is left behind. */
const OWNED = ["task.md", "initiative.md", "phase.md", "answers.md", "merge.md", "context"];

/** Writes the agent's input files into `inputDir` (created when missing). */
export async function writeContextFiles(inputDir: string, ctx: TaskContext): Promise<void> {
  const { task } = ctx;
  const files: [string, string][] = [
    [
      "task.md",
      markdown(
        {
          task_id: task.id,
          issue_number: task.issueNumber,
          title: task.title,
          category: task.category,
          type: task.type,
          priority: task.priority,
          phase: task.phase ? { issue_number: task.phase.issueNumber, name: task.phase.name } : null,
          initiative: task.initiative ? { milestone_number: task.initiative.milestoneNumber, name: task.initiative.name } : null,
          dependencies: task.dependencies,
          ...(ctx.refine
            ? {
                pull_request: ctx.refine.pullRequest,
                reviews: ctx.refine.reviews.map((r) => ({ id: r.id, reviewer: r.reviewer, url: r.url })),
              }
            : {}),
        },
        task.body,
      ),
    ],
  ];
  if (ctx.initiative) {
    const { name, branch, description } = ctx.initiative;
    files.push(["initiative.md", markdown({ name, branch }, description)]);
  }
  if (ctx.phase) {
    const { name, branch, content } = ctx.phase;
    files.push(["phase.md", markdown({ name, branch }, content)]);
  }
  for (const related of ctx.relatedTasks) {
    const file = path.join("context", "tasks", `${issueNumber(related.issueNumber)}.md`);
    files.push([
      file,
      markdown(
        {
          issue_number: related.issueNumber,
          title: related.title,
          status: related.status,
          summary: related.summary,
          dependency: related.dependency,
        },
        `# ${oneLine(related.title)}`,
      ),
    ]);
  }
  if (ctx.sessionLost) {
    const { sessionId, answers } = ctx.sessionLost;
    const body = [
      "# The conversation so far",
      "",
      `Your earlier session (${oneLine(sessionId)}) could not be resumed, so this is a fresh start.`,
      "Your earlier work on this task is in this worktree (committed or not).",
      ...(answers.length > 0
        ? [
            "Before it ended, you asked these questions, and people answered:",
            "",
            ...answers.map(({ id, question, answer }) => `## ${oneLine(id)}\n\n${quote(question)}\n\n${answer.trim()}\n`),
          ]
        : ["It ended before it asked anything."]),
    ].join("\n");
    files.push(["answers.md", markdown({ session_lost: sessionId, answers: answers.map(({ id, question, answer }) => ({ id, question, answer })) }, body)]);
  } else if (ctx.answers && ctx.answers.length > 0) {
    const body = ctx.answers.map(({ id, question, answer }) => `## ${oneLine(id)}\n\n${quote(question)}\n\n${answer.trim()}`).join("\n\n");
    const answers = ctx.answers.map(({ id, question, answer }) => ({ id, question, answer }));
    files.push(["answers.md", markdown({ answers }, body)]);
  }

  await mkdir(inputDir, { recursive: true });
  await Promise.all(OWNED.map((name) => rm(path.join(inputDir, name), { recursive: true, force: true })));
  if (ctx.relatedTasks.length > 0) await mkdir(path.join(inputDir, "context", "tasks"), { recursive: true });
  await Promise.all(files.map(([name, text]) => writeFile(path.join(inputDir, name), text, "utf8")));
}

/** What a merge agent is told about the merge in progress in its worktree. */
export interface MergeContext {
  /** The task's branch, merged in ("theirs"). */
  sourceBranch: string;
  sourceSha: string;
  /** The phase (or initiative) branch, checked out ("ours", HEAD). */
  targetBranch: string;
  targetSha: string;
  conflictedFiles: string[];
  /** What the task's agent said it did. */
  taskSummary: string;
}

/** Writes `merge.md` into `inputDir`, beside the task's own input files. */
export async function writeMergeFile(inputDir: string, m: MergeContext): Promise<void> {
  const body = [
    `# Merge \`${m.sourceBranch}\` into \`${m.targetBranch}\``,
    "",
    `The task's work, on \`${m.sourceBranch}\`, is being merged into \`${m.targetBranch}\`, which other tasks changed meanwhile.`,
    "The merge is in progress in this worktree and stopped at the conflicts. In each conflicted file, git wrote:",
    "",
    `- from \`<<<<<<< HEAD\`: the lines as \`${m.targetBranch}\` has them (the other tasks' work);`,
    "- from `|||||||`: the lines as they were before either side changed them;",
    `- from \`=======\` to \`>>>>>>> origin/${m.sourceBranch}\`: the lines as this task wrote them.`,
    "",
    "Keep what both sides meant to do, remove every marker line, and say in your summary how you combined them.",
  ].join("\n");
  await mkdir(inputDir, { recursive: true });
  const frontMatter = {
    source_branch: m.sourceBranch,
    source_sha: m.sourceSha,
    target_branch: m.targetBranch,
    target_sha: m.targetSha,
    conflicted_files: m.conflictedFiles,
    task_summary: m.taskSummary,
  };
  await writeFile(path.join(inputDir, "merge.md"), markdown(frontMatter, body), "utf8");
}

/** `---\n<yaml>---\n\n<body>\n`: the front matter block, then the body. */
function markdown(frontMatter: Record<string, unknown>, body: string): string {
  const yaml = stringify(frontMatter, { lineWidth: 0 });
  const text = body.replace(/\r\n/g, "\n").trimEnd();
  return `---\n${yaml}---\n${text ? `\n${text}\n` : ""}`;
}

/** A file name from an issue number, refusing anything that is not one (no path tricks). */
function issueNumber(value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`invalid issue number for a context file: ${value}`);
  return value;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function quote(text: string): string {
  return text
    .trim()
    .split(/\r?\n/)
    .map((line) => (line ? `> ${line}` : ">"))
    .join("\n");
}
