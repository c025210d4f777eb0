/**
 * The runner loop: while this process has a free slot (CW_MAX_AGENTS), claim the most urgent
 * ready task and run it. Woken at once when a task may have become ready (LISTEN/NOTIFY on
 * PostgreSQL, the same channel in-process on PGlite), with a slow poll as a safety net; every
 * few seconds it also gives back tasks whose runner stopped renewing its lease.
 */
import os from "node:os";
import path from "node:path";
import { TASKS_CHANNEL } from "../core/commands/reconcile-tasks.js";
import { markReconcileDue } from "../db/reconcile-due.js";
import { WakeSignal } from "../lib/wake-signal.js";
import { runTask, type RunDeps } from "./run-task.js";
import { startRun } from "./start-run.js";
import { reclaimExpiredLeases } from "./task-claims.js";
import type { Containment, ContainmentSetup } from "./containment/containment.js";
import { reapAgentProcesses } from "./containment/reap-agent-processes.js";
import { removeAllWorktrees } from "./workspace/worktrees.js";
import { commitPendingPages } from "./page-commits.js";
import { replayFinishes } from "./replay-finishes.js";

export interface DispatcherOptions extends Omit<RunDeps, "onFinished" | "containment"> {
  /** How agents are contained here, or why they cannot be (then no agent is started). */
  containment: ContainmentSetup;
  maxAgents: number;
  runnerId?: string;
  pollMs?: number;
  reclaimEveryMs?: number;
}

export class Dispatcher {
  readonly runnerId: string;
  readonly #signal = new WakeSignal();
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  #loop: Promise<void> | undefined;
  #stopping = false;
  #unlisten: (() => Promise<void>) | undefined;
  #lastReclaim = 0;

  constructor(private readonly options: DispatcherOptions) {
    this.runnerId = options.runnerId ?? `${os.hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  }

  get activeRuns(): number {
    return this.#running.size;
  }

  /** Why this runner starts no agent (containment is not possible here), if it does not. */
  get refusal(): string | undefined {
    return this.options.containment.ok ? undefined : this.options.containment.problem;
  }

  async start(): Promise<void> {
    // Before any task is taken back or claimed: a run its previous life finished but could not
    // record is recorded now, rather than its agent run again once its lease lapses.
    await replayFinishes({ database: this.options.database, log: this.options.log, workDir: this.options.settings.workDir });
    const setup = this.options.containment;
    if (!setup.ok) {
      this.options.log.error(`The runner starts no agents: ${setup.problem}`);
      return;
    }
    const { containment } = setup;
    if (containment.mode === "unsafe") this.options.log.warn(containment.describe());
    else this.options.log.info(containment.describe());
    if (containment.warning) this.options.log.warn(containment.warning);
    await this.#reapPreviousLife(containment);
    this.#unlisten = await this.options.database.listen(TASKS_CHANNEL, () => this.wake());
    this.#loop = this.#run();
  }

  /**
   * What a previous life of this runner left on the host (it was killed, or the host rebooted
   * mid-run): agents still running as its users, worktrees with their branches checked out.
   * Their tasks come back through the lease; here only the host is cleared, so that nothing
   * blocks the next run of those tasks.
   */
  async #reapPreviousLife(containment: Containment): Promise<void> {
    const users = containment.pool?.users ?? [];
    const survivors = (await Promise.all(users.map((user) => reapAgentProcesses(containment.mode, user)))).flat();
    if (survivors.length > 0) throw new Error(`agent processes ${survivors.join(", ")} survived being killed`);
    const removed = await removeAllWorktrees(path.join(containment.workDir, "mirrors"), path.join(containment.workDir, "worktrees"));
    if (removed > 0) this.options.log.warn({ removed }, "removed worktrees a previous run of this runner left");
  }

  wake(): void {
    this.#signal.wake();
  }

  /** Claims and starts runs until no slot or no ready task is left; returns how many started. */
  async dispatchOnce(options: { reclaimNow?: boolean } = {}): Promise<number> {
    const setup = this.options.containment;
    if (!setup.ok) return 0;
    await this.#reclaim(options.reclaimNow ?? false);
    // Change sets' pages go onto their initiative branches (written, or removed by a revert).
    await commitPendingPages({ ...this.options, workDir: this.options.settings.workDir });
    let started = 0;
    while (!this.#stopping && this.#running.size < this.options.maxAgents) {
      const run = await startRun(this.options.database.db, {
        runnerId: this.runnerId,
        host: os.hostname(),
        provider: this.options.settings.agent,
      });
      if (!run) break;
      started++;
      const controller = new AbortController();
      const done = runTask({ ...this.options, containment: setup.containment, onFinished: () => this.wake() }, run, controller.signal)
        .catch((error: unknown) => this.options.log.error({ err: error, task: run.task.id }, "run crashed"))
        .finally(() => this.#running.delete(run.task.id));
      this.#running.set(run.task.id, { controller, done });
    }
    return started;
  }

  /** Waits for every run in hand to finish (tests; a graceful stop). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  /** Dispatches and waits, until nothing is ready any more (tests and one-shot runs). */
  async drain(): Promise<number> {
    let total = 0;
    for (let round = 0; ; round++) {
      const started = await this.dispatchOnce({ reclaimNow: round === 0 });
      total += started;
      if (started === 0 && this.#running.size === 0) return total;
      await Promise.race([...this.#running.values()].map((r) => r.done));
    }
  }

  /** Stops claiming; agents in hand are killed (their tasks go back to ready when their lease lapses, or at once here). */
  async stop(options: { kill?: boolean } = {}): Promise<void> {
    this.#stopping = true;
    this.#signal.wake();
    if (options.kill) for (const r of this.#running.values()) r.controller.abort();
    await this.#loop;
    await this.idle();
    await this.#unlisten?.();
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      try {
        await this.dispatchOnce();
      } catch (error) {
        this.options.log.error({ err: error }, "dispatch failed");
      }
      await this.#signal.wait(this.options.pollMs ?? 5_000);
    }
  }

  async #reclaim(force = false): Promise<void> {
    const every = this.options.reclaimEveryMs ?? 10_000;
    if (!force && Date.now() - this.#lastReclaim < every) return;
    this.#lastReclaim = Date.now();
    const reclaimed = await reclaimExpiredLeases(this.options.database.db);
    if (reclaimed.length === 0) return;
    this.options.log.warn({ tasks: reclaimed.map((t) => t.issueNumber) }, "took back tasks whose runner stopped renewing its lease");
    await markReconcileDue(
      this.options.database.db,
      reclaimed.map((t) => t.projectId!),
    );
  }
}
