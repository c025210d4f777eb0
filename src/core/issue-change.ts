/**
 * What a change to a task's issue (closed, reopened, unlabelled, labelled again) does to the
 * task. Pure: sync-issue applies the answer.
 */
import type { IssueStateReason } from "./issue-facts.js";
import type { TaskStatus, TaskType } from "./statuses.js";

export interface IssueChange {
  state: "open" | "closed";
  stateReason: IssueStateReason | null;
  /** The trigger label was taken off just now. */
  stopRequested: boolean;
  /** A writer asked for the task just now (label added, `/cw run`, reopened with the label). */
  startRequested: boolean;
}

/** keep: as it is; cancel: no longer scheduled; complete: done by a person; restart: scheduled again. */
export type IssueChangeEffect = "keep" | "cancel" | "complete" | "restart";

export function issueChangeEffect(task: { status: TaskStatus; type: TaskType }, change: IssueChange): IssueChangeEffect {
  const settled = task.status === "completed" || task.status === "cancelled";
  if (change.stopRequested) return settled ? "keep" : "cancel";
  if (change.state === "closed") {
    if (settled) return "keep";
    // Closing a human action's issue is how its person says it is done; "not planned" (or a
    // duplicate) still means the work is not wanted.
    const dropped = change.stateReason === "not_planned" || change.stateReason === "duplicate";
    return task.type === "checkpoint:human-action" && !dropped ? "complete" : "cancel";
  }
  if (!change.startRequested) return "keep";
  if (task.status === "cancelled" || task.status === "failed") return "restart";
  // A done human action reopened was not done after all: its person is asked again.
  if (task.status === "completed" && task.type === "checkpoint:human-action") return "restart";
  return "keep";
}
