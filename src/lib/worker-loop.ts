/**
 * Runs `concurrency` loops that each claim one item, handle it, and repeat; when there is
 * nothing to claim they sleep until woken or until the poll interval passes (the safety net
 * for wake-ups from other processes). `stop()` lets the items in hand finish.
 */
import type { Logger } from "../logger.js";
import { WakeSignal } from "./wake-signal.js";

export interface WorkerLoopOptions<T> {
  name: string;
  concurrency: number;
  pollMs: number;
  log: Logger;
  claim(): Promise<T | undefined>;
  handle(item: T): Promise<void>;
  /** What drain() claims, when it differs: everything owed, due or not yet. */
  claimForDrain?(): Promise<T | undefined>;
  /** Awaited before each claim (on PGlite: the intake goes first, see intake/intake-first.ts). */
  turn?: () => Promise<void>;
}

export class WorkerLoop<T> {
  readonly signal = new WakeSignal();
  #running = false;
  #loops: Promise<void>[] = [];

  constructor(private readonly options: WorkerLoopOptions<T>) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (let i = 0; i < this.options.concurrency; i++) this.#loops.push(this.#loop());
  }

  wake(): void {
    this.signal.wake();
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (let i = 0; i < this.options.concurrency; i++) this.signal.wake();
    await Promise.all(this.#loops);
    this.#loops = [];
  }

  /** Claims and handles items until none is left; for tests and one-shot commands. */
  async drain(): Promise<number> {
    let count = 0;
    for (;;) {
      const item = await (this.options.claimForDrain ?? this.options.claim)();
      if (item === undefined) return count;
      await this.options.handle(item);
      count++;
    }
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      let item: T | undefined;
      try {
        await this.options.turn?.();
        item = await this.options.claim();
      } catch (error) {
        // The database may be briefly unreachable: keep the process serving and try again.
        this.options.log.error({ err: error }, `${this.options.name}: claim failed`);
        await this.signal.wait(this.options.pollMs);
        continue;
      }
      if (item === undefined) {
        await this.signal.wait(this.options.pollMs);
        continue;
      }
      try {
        await this.options.handle(item);
      } catch (error) {
        this.options.log.error({ err: error }, `${this.options.name}: handler failed`);
      }
      // Another loop may be asleep while work remains: pass the baton.
      this.signal.wake();
    }
  }
}
