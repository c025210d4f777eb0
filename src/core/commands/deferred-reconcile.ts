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

interface FollowUp<K> {
  /** The delivery being handled when it was asked for: it fails if the follow-up does. */
  key: K;
  run(): Promise<void>;
}

export interface BatchScope<K> {
  /** Projects owed a reconcile. */
  projects: Set<string>;
  /** Work that reports state, to run once the batch is reconciled. */
  followUps: FollowUp<K>[];
  /** The delivery whose handlers run now. */
  current: K | undefined;
}

const scopes = new AsyncLocalStorage<BatchScope<unknown>>();

/** Runs `fn` with reconciles deferred; `fn` gets the scope, to say which delivery is current. */
export async function deferringReconciles<K, T>(fn: (scope: BatchScope<K>) => Promise<T>): Promise<{ result: T; scope: BatchScope<K> }> {
  const scope: BatchScope<K> = { projects: new Set(), followUps: [], current: undefined };
  const result = await scopes.run(scope as BatchScope<unknown>, () => fn(scope));
  return { result, scope };
}

/** Whether this code runs inside a processor batch. */
export function inProcessorBatch(): boolean {
  return scopes.getStore() !== undefined;
}

/** Inside a batch: notes that `projectId` is owed a reconcile and returns true. Outside: false. */
export function deferReconcile(projectId: string): boolean {
  const scope = scopes.getStore();
  if (!scope) return false;
  scope.projects.add(projectId);
  return true;
}

/**
 * Inside a batch: queues `run` for after the batch's reconcile and returns true. A reply that
 * reports state (`/cw status`) waits for it, so it never tells a status the reconcile is about
 * to change. Outside a batch: false (the caller runs it now).
 */
export function afterBatchReconcile(run: () => Promise<void>): boolean {
  const scope = scopes.getStore();
  if (!scope) return false;
  scope.followUps.push({ key: scope.current, run });
  return true;
}

/**
 * Whether `projectId` is owed a reconcile in this batch, forgetting it: a command that reports
 * state next to others that change it converges first.
 */
export function takeOwedReconcile(projectId: string): boolean {
  return scopes.getStore()?.projects.delete(projectId) ?? false;
}
