/**
 * The tail of a running agent's log as its check run shows it. Lines go in as the agent prints
 * them; the tail is published (stored on the agent row, and the project marked due so the
 * reconcile shows it) at once for the first lines, then at most once per `intervalMs` (10 s)
 * while the agent keeps printing: a chatty five-minute run makes about 30 check-run updates,
 * not thousands. The clock is injectable, so the bench can run five minutes in milliseconds.
 */
import { LogTail } from "./agents/log-tail.js";

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** How often a check run may show new log lines. */
export const CHECK_RUN_REFRESH_MS = 10_000;

export class LiveTail {
  readonly #tail: LogTail;
  #lastAt = Number.NEGATIVE_INFINITY;
  #dirty = false;
  #timer: unknown;
  #publishing: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(
    private readonly publish: (tail: string, at: Date) => Promise<void>,
    private readonly intervalMs = CHECK_RUN_REFRESH_MS,
    private readonly clock: Clock = systemClock,
    maxLines = 20,
  ) {
    this.#tail = new LogTail(maxLines);
  }

  push(lines: readonly string[]): void {
    if (this.#stopped || lines.length === 0) return;
    this.#tail.push(lines);
    this.#dirty = true;
    if (this.#timer !== undefined) return;
    const wait = Math.max(0, this.#lastAt + this.intervalMs - this.clock.now());
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, wait);
  }

  /** No more publications: the run's end shows its own state. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#publishing;
  }

  #flush(): Promise<void> {
    if (!this.#dirty || this.#stopped) return this.#publishing;
    this.#dirty = false;
    const at = this.clock.now();
    this.#lastAt = at;
    const text = this.#tail.text();
    this.#publishing = this.#publishing.then(() => this.publish(text, new Date(at)));
    return this.#publishing;
  }
}
