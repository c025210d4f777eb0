/**
 * The reconcile: one project converged from what is stored, as one transaction under the
 * project's lock. Commands do not run it: they mark the project due (db/reconcile-due.ts) and
 * the reconcile worker (reconcile/reconcile-worker.ts) runs it once for any number of marks.
 * Events are hints and this converges on state, so one pass after ten changes decides what ten
 * passes would.
 *
 * One read of the project, then one planner per concern, in order. What several planners use
 * is read once, into the context; a planner reads what else it needs, records its GitHub
 * writes (intents) and may leave facts for the planners after it in the context. To add a concern (a board, check runs, …), write a planner and list it in
 * PLANNERS.
 */
import { eq, sql } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { statement } from "../../db/prepared.js";
import { checkRuns, initiatives, phases, pullRequests, tasks } from "../../db/schema.js";
import type { UsageTotals } from "../usage-totals.js";
import { usageByProjectTask } from "./usage-by-task.js";
import type { RepoRef } from "../intents.js";
import { deriveDependencies } from "./derive-dependencies.js";
import { loadProject, repoRefOf, type ProjectRow } from "./project-repo.js";
import { reconcilePullRequests, writePullRequestTexts, type PullRequestTexts } from "./reconcile-pull-requests.js";
import { queueBranchUpdates } from "./request-branch-update.js";
import { reportMilestoneSettings } from "./report-milestone-settings.js";
import { applyChangeSets } from "./apply-change-sets.js";
import { reconcileTaskStatuses } from "./reconcile-tasks.js";
import { reconcileBoard } from "./reconcile-board.js";
import { reconcileCheckRuns } from "./reconcile-check-runs.js";
import { answerOwedReplies } from "./command-replies.js";

export interface ReconcileContext {
  project: ProjectRow;
  repo: RepoRef;
  /** Every task of the project, as read at the start (refines included). */
  tasks: (typeof tasks.$inferSelect)[];
  /** Every phase; a planner that changes a phase's status updates it here too. */
  phases: (typeof phases.$inferSelect)[];
  /** Every initiative; a planner that changes one's status updates it here too. */
  initiatives: (typeof initiatives.$inferSelect)[];
  /** Every pull request of the app's; a planner that changes one updates it here too. */
  pullRequests: (typeof pullRequests.$inferSelect)[];
  /** Every check run the app recorded (what GitHub shows, by its hash). */
  checkRuns: (typeof checkRuns.$inferSelect)[];
  /** Tokens and cost of every task's agent runs. */
  usage: Map<string, UsageTotals>;
  /** Tasks whose work waits in one of the app's pull requests (filled by the pull-request planner). */
  inReview: Set<string>;
  /** Phases whose pull request is, or opens as, a draft: more of their work is to land (filled by the pull-request planner). */
  draftPhases: Set<string>;
  /** What the pull-request planner saw, for its texts, written once the task statuses are settled (`writePullRequestTexts`). */
  pullRequestTexts?: PullRequestTexts;
}

export type ReconcilePlanner = (tx: Tx, ctx: ReconcileContext) => Promise<unknown>;

/**
 * In order: branch updates owed for conflicting pull requests (they hold merges), then pull
 * requests (a task whose work waits in a PR is in review, and a merged phase frees the
 * phases after it), then task statuses and labels, then the pull requests' bodies and phase
 * check runs (they list the task statuses just settled), then reports (an invalid milestone
 * block), then each task's check run, then the project board's cards, which show the
 * statuses settled before them, and its report; last, the replies to `/cw status` asked while
 * this reconcile was owed, which report what it settled.
 */
const PLANNERS: readonly ReconcilePlanner[] = [
  queueBranchUpdates,
  reconcilePullRequests,
  reconcileTaskStatuses,
  writePullRequestTexts,
  reportMilestoneSettings,
  reconcileCheckRuns,
  reconcileBoard,
  answerOwedReplies,
];

// Every reconcile reads these whole rows (tasks have some sixty columns): built once (see
// db/prepared.ts), as building them cost more CPU than the reconcile's own planning.
type ProjectTable = typeof tasks | typeof phases | typeof initiatives | typeof pullRequests | typeof checkRuns;
function projectRows<T extends ProjectTable>(name: string, table: T) {
  return statement<{ projectId: string }, T["$inferSelect"][]>(name, (db) =>
    db
      .select()
      .from(table as ProjectTable)
      .where(eq(table.projectId, sql.placeholder("projectId"))),
  );
}
const selectTasks = projectRows("reconcile_tasks", tasks);
const selectPhases = projectRows("reconcile_phases", phases);
const selectInitiatives = projectRows("reconcile_initiatives", initiatives);
const selectPullRequests = projectRows("reconcile_pull_requests", pullRequests);
const selectCheckRuns = projectRows("reconcile_check_runs", checkRuns);

/** Converges the project now, inside `tx` (which must hold the project's lock: projectTransaction). */
export async function reconcileProject(tx: Tx, projectId: string): Promise<void> {
  const project = await loadProject(tx, projectId);
  // Change sets first: the tasks and phases they make are then part of this same pass.
  await applyChangeSets(tx, project);
  await deriveDependencies(tx, projectId, project.name);
  const [taskRows, phaseRows, initiativeRows, prRows, checkRunRows, usage] = await Promise.all([
    selectTasks(tx, { projectId }),
    selectPhases(tx, { projectId }),
    selectInitiatives(tx, { projectId }),
    selectPullRequests(tx, { projectId }),
    selectCheckRuns(tx, { projectId }),
    usageByProjectTask(tx, projectId),
  ]);
  const ctx: ReconcileContext = {
    project,
    repo: repoRefOf(project),
    tasks: taskRows,
    phases: phaseRows,
    initiatives: initiativeRows,
    pullRequests: prRows,
    checkRuns: checkRunRows,
    usage,
    inReview: new Set(),
    draftPhases: new Set(),
  };
  for (const planner of PLANNERS) await planner(tx, ctx);
}
