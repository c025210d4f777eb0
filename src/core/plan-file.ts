/**
 * `.cw/output/plan.json`, the plan a planning agent proposes (DESIGN §3 "Planning agents"):
 * read, validated with zod, and checked against what exists (keys, `#N`, phases, cycles).
 * The plan is an agent's text, so it is data: a plan that would hide text from the people who
 * review it, or ping them, is refused, not cleaned up behind their back. Any problem fails the
 * whole plan — nothing of a bad plan is ever created.
 */
import { z } from "zod";
import { buildGraph } from "./graph-build.js";
import { describeCycle, findCycles } from "./graph-cycles.js";
import { sanitizeIssueText } from "./sanitize.js";
import { neutraliseMentions } from "./agent-text.js";
import { TASK_CATEGORIES, TASK_PRIORITIES, TASK_TYPES, type TaskCategory, type TaskPriority, type TaskType } from "./statuses.js";

export const PLAN_FILE = "plan.json";
/** A plan of this many tasks or more is refused: GitHub would take hours to create it (500 writes an hour). */
export const MAX_PLAN_TASKS = 500;
export const MAX_PLAN_PHASES = 50;
export const MAX_PLAN_PAGES = 50;
export const MAX_PLAN_EDITS = 100;
/** GitHub's own limits: 256 characters for a title, 65,536 for a body. */
const MAX_TITLE = 256;
const MAX_BODY = 60_000;

/** A dependency or a parent: a key of this plan, or an issue that exists. */
export type PlanRef = { key: string } | { number: number };

export interface PlanPhase {
  key: string;
  title: string;
  body: string;
  dependsOn: PlanRef[];
}

export interface PlanTask {
  key: string;
  title: string;
  body: string;
  /** A phase key, an existing phase `#N`, or none (a task of the milestone). */
  phase: PlanRef | null;
  parent: PlanRef | null;
  dependsOn: PlanRef[];
  category: TaskCategory;
  type: TaskType;
  priority: TaskPriority;
}

export interface PlanPage {
  path: string;
  title: string;
  body: string;
}

export interface PlanEdit {
  issue: number;
  title?: string;
  body?: string;
  close: boolean;
}

export interface Plan {
  phases: PlanPhase[];
  tasks: PlanTask[];
  pages: PlanPage[];
  edits: PlanEdit[];
}

/** What the plan may name besides its own keys. */
export interface PlanContext {
  mode: "plan" | "detail" | "refine";
  /** Issues of the repository the app knows (tasks and phases), by number. */
  known: ReadonlyMap<number, { kind: "phase" | "task" }>;
  /** A detail run: the phase it adds tasks to, or the task it adds sub-tasks to. */
  target?: { kind: "phase" | "task"; issueNumber: number } | undefined;
}

export type PlanCheck = { ok: true; plan: Plan } | { ok: false; problems: string[] };

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/;
const ISSUE_REF = /^#([1-9][0-9]{0,9})$/;
const KEY_ERROR = "expected a key (letters, digits, `-`, `_`, `.`; at most 40) or #N";

const key = z.string({ error: "expected a key" }).regex(KEY, { error: "expected a key: letters, digits, `-`, `_`, `.`, at most 40" });
const ref = z.string({ error: KEY_ERROR }).refine((v) => KEY.test(v) || ISSUE_REF.test(v), { error: KEY_ERROR });
const title = z
  .string({ error: "expected a title" })
  .trim()
  .min(1, { error: "the title is empty" })
  .max(MAX_TITLE, { error: `longer than ${MAX_TITLE} characters` });
const body = z.string({ error: "expected text" }).max(MAX_BODY, { error: `longer than ${MAX_BODY} characters` });

const phaseSchema = z.strictObject({ key, title, body: body.optional(), dependsOn: z.array(ref).max(50).optional() });
const taskSchema = z.strictObject({
  key,
  title,
  body: body.optional(),
  phase: ref.optional(),
  parent: ref.optional(),
  dependsOn: z.array(ref).max(50).optional(),
  category: z
    .enum(
      TASK_CATEGORIES.filter((c) => c !== "merge"),
      { error: "expected a task category, such as execute or research" },
    )
    .optional(),
  type: z.enum(TASK_TYPES, { error: `expected one of ${TASK_TYPES.join(", ")}` }).optional(),
  priority: z.enum(TASK_PRIORITIES, { error: `expected one of ${TASK_PRIORITIES.join(", ")}` }).optional(),
});
const pageSchema = z.strictObject({ path: z.string({ error: "expected a path" }), title, body: body.optional() });
const editSchema = z.strictObject({
  issue: z.number({ error: "expected an issue number" }).int().positive(),
  title: title.optional(),
  body: body.optional(),
  close: z.boolean({ error: "expected true or false" }).optional(),
});
const planSchema = z.strictObject({
  phases: z
    .array(phaseSchema)
    .max(MAX_PLAN_PHASES, { error: `more than ${MAX_PLAN_PHASES} phases` })
    .optional(),
  tasks: z
    .array(taskSchema)
    .max(MAX_PLAN_TASKS - 1, { error: `${MAX_PLAN_TASKS} tasks or more: split the plan (GitHub creates at most 500 issues an hour)` })
    .optional(),
  pages: z
    .array(pageSchema)
    .max(MAX_PLAN_PAGES, { error: `more than ${MAX_PLAN_PAGES} pages` })
    .optional(),
  edits: z
    .array(editSchema)
    .max(MAX_PLAN_EDITS, { error: `more than ${MAX_PLAN_EDITS} edits` })
    .optional(),
});

/** `text` is the file's content, or undefined when the agent wrote none. */
export function checkPlan(text: string | undefined, ctx: PlanContext): PlanCheck {
  if (text === undefined) return fail(`\`.cw/output/${PLAN_FILE}\` is missing: a ${ctx.mode} agent writes its plan there`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return fail(`\`.cw/output/${PLAN_FILE}\` is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map(describeIssue) };
  return checkMeaning(parsed.data, ctx);
}

function checkMeaning(data: z.infer<typeof planSchema>, ctx: PlanContext): PlanCheck {
  const problems: string[] = [];
  const phaseKeys = new Set<string>();
  const taskKeys = new Set<string>();
  for (const [i, p] of (data.phases ?? []).entries()) {
    if (phaseKeys.has(p.key)) problems.push(`phases[${i}].key: "${p.key}" is used twice`);
    phaseKeys.add(p.key);
  }
  for (const [i, t] of (data.tasks ?? []).entries()) {
    if (phaseKeys.has(t.key) || taskKeys.has(t.key)) problems.push(`tasks[${i}].key: "${t.key}" is used twice`);
    taskKeys.add(t.key);
  }

  const resolve = (where: string, value: string, accept: "any" | "phase" | "task"): PlanRef | null => {
    const issue = ISSUE_REF.exec(value);
    if (issue) {
      const number = Number(issue[1]);
      const known = ctx.known.get(number);
      if (!known) problems.push(`${where}: #${number} is not an issue Codewalkers knows in this repository (a task or a phase)`);
      else if (accept !== "any" && known.kind !== accept) problems.push(`${where}: #${number} is not a ${accept}`);
      return { number };
    }
    const isPhase = phaseKeys.has(value);
    const isTask = taskKeys.has(value);
    if (accept === "phase" && !isPhase) problems.push(`${where}: "${value}" is not a phase of this plan`);
    else if (accept === "task" && !isTask) problems.push(`${where}: "${value}" is not a task of this plan`);
    else if (!isPhase && !isTask) problems.push(`${where}: "${value}" is not a key of this plan`);
    return { key: value };
  };

  const phases: PlanPhase[] = (data.phases ?? []).map((p, i) => ({
    key: p.key,
    title: p.title,
    body: p.body ?? "",
    dependsOn: (p.dependsOn ?? []).map((d, j) => resolve(`phases[${i}].dependsOn[${j}]`, d, "phase")).filter(isRef),
  }));
  const target = ctx.mode === "detail" ? ctx.target : undefined;
  const tasks: PlanTask[] = (data.tasks ?? []).map((t, i) => {
    const phase = t.phase !== undefined ? resolve(`tasks[${i}].phase`, t.phase, "phase") : target?.kind === "phase" ? { number: target.issueNumber } : null;
    const parent = t.parent !== undefined ? resolve(`tasks[${i}].parent`, t.parent, "task") : target?.kind === "task" ? { number: target.issueNumber } : null;
    return {
      key: t.key,
      title: t.title,
      body: t.body ?? "",
      phase,
      parent,
      dependsOn: (t.dependsOn ?? []).map((d, j) => resolve(`tasks[${i}].dependsOn[${j}]`, d, "any")).filter(isRef),
      category: t.category ?? "execute",
      type: t.type ?? "auto",
      priority: t.priority ?? "medium",
    };
  });
  for (const [i, t] of tasks.entries()) {
    if (t.parent && "key" in t.parent && t.parent.key === t.key) problems.push(`tasks[${i}].parent: a task cannot be its own parent`);
  }

  const pages: PlanPage[] = [];
  const paths = new Set<string>();
  for (const [i, p] of (data.pages ?? []).entries()) {
    const problem = pagePathProblem(p.path);
    if (problem) problems.push(`pages[${i}].path: ${problem}`);
    else if (paths.has(p.path)) problems.push(`pages[${i}].path: "${p.path}" is used twice`);
    paths.add(p.path);
    pages.push({ path: p.path, title: p.title, body: p.body ?? "" });
  }

  const edits: PlanEdit[] = (data.edits ?? []).map((e, i) => {
    if (!ctx.known.has(e.issue)) problems.push(`edits[${i}].issue: #${e.issue} is not an issue Codewalkers knows in this repository (a task or a phase)`);
    return { issue: e.issue, ...(e.title !== undefined ? { title: e.title } : {}), ...(e.body !== undefined ? { body: e.body } : {}), close: e.close ?? false };
  });

  // Text people will read on GitHub: nothing hidden from them, nobody pinged.
  const texts: [string, string][] = [
    ...phases.flatMap((p, i): [string, string][] => [
      [`phases[${i}].title`, p.title],
      [`phases[${i}].body`, p.body],
    ]),
    ...tasks.flatMap((t, i): [string, string][] => [
      [`tasks[${i}].title`, t.title],
      [`tasks[${i}].body`, t.body],
    ]),
    ...pages.flatMap((p, i): [string, string][] => [
      [`pages[${i}].title`, p.title],
      [`pages[${i}].body`, p.body],
    ]),
    ...edits.flatMap((e, i): [string, string][] => [
      [`edits[${i}].title`, e.title ?? ""],
      [`edits[${i}].body`, e.body ?? ""],
    ]),
  ];
  for (const [where, text] of texts) problems.push(...textProblems(where, text));

  if (problems.length === 0) problems.push(...cycleProblems(phases, tasks));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, plan: { phases, tasks, pages, edits } };
}

/** A page path is relative to the initiative's pages folder: no way out of it, nothing hidden. */
export function pagePathProblem(path: string): string | null {
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path) || path.startsWith("\\"))
    return `"${shown(path)}" is absolute: page paths are relative to the initiative's pages folder`;
  const parts = path.split("/");
  if (parts.includes("..")) return `"${shown(path)}" goes up a folder (\`..\`): page paths stay inside the initiative's pages folder`;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*(\/[A-Za-z0-9][A-Za-z0-9_.-]*)*$/.test(path) || path.length > 200) {
    return `"${shown(path)}" is not a plain relative path (letters, digits, \`-\`, \`_\`, \`.\`, folders with \`/\`)`;
  }
  if (!path.endsWith(".md")) return `"${shown(path)}" is not a Markdown file (\`.md\`)`;
  return null;
}

function textProblems(where: string, text: string): string[] {
  if (!text) return [];
  const problems: string[] = [];
  const normalised = text.replace(/\r\n?/g, "\n");
  // Sanitizing also trims the ends of the text: only what it removes within counts.
  const visible = (s: string) => s.replace(/[ \t]+$/gm, "").trim();
  if (visible(sanitizeIssueText(normalised)) !== visible(normalised)) {
    problems.push(`${where}: holds text GitHub would not show (HTML comments, hidden elements or invisible characters)`);
  }
  const mentions = mentionsIn(normalised);
  if (mentions.length > 0) problems.push(`${where}: mentions ${mentions.map((m) => neutraliseMentions(m)).join(", ")} — a plan never pings people`);
  return problems;
}

function mentionsIn(text: string): string[] {
  const found = new Set<string>();
  // neutraliseMentions marks each mention; the marks say where they were.
  const marked = neutraliseMentions(text);
  for (const m of marked.matchAll(/@\u200b([A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9][\w.-]*)?)/g)) found.add(`@${m[1]}`);
  return [...found].slice(0, 5);
}

function cycleProblems(phases: readonly PlanPhase[], tasks: readonly PlanTask[]): string[] {
  const keysOf = (refs: readonly PlanRef[]) => refs.flatMap((r) => ("key" in r ? [r.key] : []));
  const problems: string[] = [];
  const phaseGraph = buildGraph(phases.map((p) => ({ id: p.key, done: false, dependsOn: keysOf(p.dependsOn) })));
  for (const cycle of findCycles(phaseGraph)) problems.push(`dependency cycle between phases: ${describeCycle(cycle, (id) => id)}`);
  // A parent is created before its sub-tasks, like a dependency: a loop through parents is a cycle too.
  const taskGraph = buildGraph(tasks.map((t) => ({ id: t.key, done: false, dependsOn: [...keysOf(t.dependsOn), ...(t.parent ? keysOf([t.parent]) : [])] })));
  for (const cycle of findCycles(taskGraph)) problems.push(`dependency cycle between tasks: ${describeCycle(cycle, (id) => id)}`);
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown key`).join("\n");
  return `${where || "plan"}: ${issue.path.length === 0 && issue.code === "invalid_type" ? "expected an object with phases, tasks, pages and edits" : issue.message}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i > 0 ? "." : ""}${String(p)}`)).join("");
}

function shown(text: string): string {
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function isRef(r: PlanRef | null): r is PlanRef {
  return r !== null;
}

function fail(problem: string): PlanCheck {
  return { ok: false, problems: [problem] };
}
