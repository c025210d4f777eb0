/**
 * Everything one run needs, read in one go before any git or agent work: the task, where its
 * work goes (branches), what the agent is told (context files), and whether it resumes an
 * earlier session.
 */
import { and, desc, eq, inArray, lt, ne, or } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { agents, initiatives, messages, phases, projects, taskDependencies, tasks } from "../db/schema.js";
import { phaseBranch, standaloneTaskBranch, taskBranch } from "../core/branch-names.js";
import { loadRefine } from "../core/commands/refine-thread.js";
import type { TaskContext } from "./context-files.js";
import { refineBranches, refineFrontMatter } from "./refine-context.js";
import type { TaskRow } from "../db/task-fence.js";

export type ProjectRow = typeof projects.$inferSelect;
export type InitiativeRow = typeof initiatives.$inferSelect;
export type PhaseRow = typeof phases.$inferSelect;
export type AgentRow = typeof agents.$inferSelect;

export interface BranchPlan {
  /** Where the task's own work is committed and pushed. */
  taskBranch: string;
  /** The branch the task branch starts from. */
  base: string;
  /** Where the finished work is merged; null for a standalone task (its branch becomes its PR). */
  mergeInto: string | null;
  /** Branches to create on the remote first, in order, each from the one before (or the default). */
  ensure: { branch: string; from: string }[];
}

export interface RunContext {
  project: ProjectRow;
  task: TaskRow;
  initiative: InitiativeRow | null;
  phase: PhaseRow | null;
  branches: BranchPlan;
  /** The issue (or, for a refine, the pull request) its commits refer to. */
  refNumber: number;
  taskContext: TaskContext;
  /** The session to resume, when an earlier agent of this task left one, and the account it ran on (null: the host's login). */
  resume: { sessionId: string | null; previousAgentId: string; accountId: string | null } | null;
  /** Answers given since the agent asked, for answers.md. */
  answers: { id: string; question: string; answer: string }[];
  answerMessageIds: string[];
}

export async function loadRunContext(db: Db, task: TaskRow): Promise<RunContext> {
  // Read side by side: a run's start waits on these (dispatch latency), and none needs another.
  const [[project], [initiative], [phase], refine, deps, [previous]] = await Promise.all([
    db.select().from(projects).where(eq(projects.id, task.projectId!)),
    task.initiativeId ? db.select().from(initiatives).where(eq(initiatives.id, task.initiativeId)) : [],
    task.phaseId ? db.select().from(phases).where(eq(phases.id, task.phaseId)) : [],
    loadRefine(db, task),
    db.select().from(taskDependencies).where(eq(taskDependencies.taskId, task.id)),
    // The run's own agent, recorded at the claim under the task's current attempt, is not its
    // predecessor; nor is a merge agent, whose session is about a merge, not the task.
    db
      .select()
      .from(agents)
      .where(and(eq(agents.taskId, task.id), lt(agents.attempt, task.attempt), ne(agents.mode, "merge")))
      .orderBy(desc(agents.createdAt))
      .limit(1),
  ]);
  if (!project) throw new Error(`task ${task.id} has no project`);
  if (task.issueNumber === null && !refine) throw new Error(`task ${task.id} has no issue and refines no pull request`);
  const branches = refine ? refineBranches(task, refine) : planBranches(project, task, initiative ?? null, phase ?? null);

  const dependencyIds = new Set(deps.map((d) => d.dependsOnTaskId));
  const scope = [
    ...(task.phaseId ? [eq(tasks.phaseId, task.phaseId)] : []),
    ...(task.initiativeId ? [eq(tasks.initiativeId, task.initiativeId)] : []),
    ...(dependencyIds.size ? [inArray(tasks.id, [...dependencyIds])] : []),
    // A standalone task's pull request: the task it carries is the refine's context.
    ...(refine?.pr.kind === "task" ? [eq(tasks.id, refine.pr.subjectId)] : []),
  ];
  const related = scope.length
    ? await db
        .select()
        .from(tasks)
        .where(or(...scope))
    : [];

  const { answers, answerMessageIds } = previous ? await answersFor(db, task.id, previous) : { answers: [], answerMessageIds: [] };
  const resumable = previous && (answers.length > 0 || previous.status === "crashed" || previous.status === "running");

  const taskContext: TaskContext = {
    task: {
      id: task.id,
      issueNumber: task.issueNumber,
      title: task.name,
      body: task.description ?? "",
      category: task.category,
      type: task.type,
      priority: task.priority,
      phase: phase?.issueNumber ? { issueNumber: phase.issueNumber, name: phase.name } : null,
      initiative: initiative?.milestoneNumber ? { milestoneNumber: initiative.milestoneNumber, name: initiative.name } : null,
      dependencies: related.filter((t) => dependencyIds.has(t.id) && t.issueNumber !== null).map((t) => t.issueNumber!),
    },
    initiative: initiative ? { name: initiative.name, description: initiative.description ?? "", branch: initiative.branch ?? "" } : null,
    phase: phase ? { name: phase.name, content: phase.content ?? "", branch: branches.mergeInto ?? "" } : null,
    relatedTasks: related
      .filter((t) => t.id !== task.id && t.issueNumber !== null)
      .map((t) => ({
        issueNumber: t.issueNumber!,
        title: t.name,
        status: t.status,
        summary: t.summary,
        dependency: dependencyIds.has(t.id),
      })),
    ...(answers.length ? { answers } : {}),
    ...(refine ? { refine: refineFrontMatter(refine) } : {}),
  };

  return {
    project,
    task,
    initiative: initiative ?? null,
    phase: phase ?? null,
    branches,
    refNumber: task.issueNumber ?? refine!.pr.number,
    taskContext,
    resume: resumable ? { sessionId: previous.sessionId, previousAgentId: previous.id, accountId: previous.accountId } : null,
    answers,
    answerMessageIds,
  };
}

/**
 * Standalone: its own branch from the default branch. In a milestone: the initiative branch
 * (made from the default branch), the phase branch (made from the initiative branch) when the
 * task has a phase, and the task's branch from whichever of those it merges into.
 */
export function planBranches(project: ProjectRow, task: TaskRow, initiative: InitiativeRow | null, phase: PhaseRow | null): BranchPlan {
  const n = task.issueNumber!;
  if (!initiative?.branch) {
    const own = task.branch ?? standaloneTaskBranch(n, task.name);
    return { taskBranch: own, base: project.defaultBranch, mergeInto: null, ensure: [] };
  }
  const ensure = [{ branch: initiative.branch, from: project.defaultBranch }];
  let target = initiative.branch;
  if (phase?.issueNumber) {
    const branch = phase.branch ?? phaseBranch(initiative.branch, phase.issueNumber);
    ensure.push({ branch, from: initiative.branch });
    target = branch;
  }
  return { taskBranch: task.branch ?? taskBranch(n, task.name), base: target, mergeInto: target, ensure };
}

async function answersFor(db: Db, taskId: string, agent: AgentRow) {
  const questions: { id: string; question: string }[] = agent.pendingQuestions ? JSON.parse(agent.pendingQuestions) : [];
  const responses = await db
    .select()
    .from(messages)
    .where(and(eq(messages.taskId, taskId), eq(messages.type, "response"), eq(messages.status, "pending")))
    .orderBy(messages.createdAt);
  if (responses.length === 0) return { answers: [], answerMessageIds: [] };
  const text = responses.map((r) => (r.author ? `@${r.author}: ${r.content}` : r.content)).join("\n\n");
  // People answer in free text, often all questions in one comment: each question gets the whole reply.
  const answers = (questions.length ? questions : [{ id: "q1", question: "(the agent's question)" }]).map((q) => ({
    id: q.id,
    question: q.question,
    answer: text,
  }));
  return { answers, answerMessageIds: responses.map((r) => r.id) };
}
