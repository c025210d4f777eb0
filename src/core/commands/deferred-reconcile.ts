/**
 * Deferred reconciles. The processor hands a repository's queued deliveries to their handlers
 * as one batch; each handler's command commits its own change, but the reconcile those commands
 * end in (re-reading every task of the repository) is owed once, after the batch, instead of
 * once per event. Events are hints and the reconcile converges on stored state, so one pass
 * after ten changes decides exactly what ten passes would have, and a crash before it leaves
 * the batch's deliveries unfinished, to be handled (and reconciled) again.
 *
 * Outside a batch (the runner, the periodic reconcile, one-off commands) nothing is deferred.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const owed = new AsyncLocalStorage<Set<string>>();

/** Runs `fn` with reconciles deferred; returns what it returned and the projects owed one. */
export async function deferringReconciles<T>(fn: () => Promise<T>): Promise<{ result: T; projects: Set<string> }> {
  const projects = new Set<string>();
  const result = await owed.run(projects, fn);
  return { result, projects };
}

/** Whether this code runs inside a processor batch. */
export function inProcessorBatch(): boolean {
  return owed.getStore() !== undefined;
}

/** Inside a batch: notes that `projectId` is owed a reconcile and returns true. Outside: false. */
export function deferReconcile(projectId: string): boolean {
  const projects = owed.getStore();
  if (!projects) return false;
  projects.add(projectId);
  return true;
}

/**
 * Whether `projectId` is owed a reconcile in this batch, forgetting it: a command about to
 * report state (`/cw status`) converges first, so it never answers with a status the batch's
 * reconcile is about to change.
 */
export function takeOwedReconcile(projectId: string): boolean {
  return owed.getStore()?.delete(projectId) ?? false;
}
