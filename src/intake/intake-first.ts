/**
 * On PGlite the whole database is one connection in the app's own thread: a worker's query runs
 * on the event loop, and while it runs no delivery is even read, let alone stored and answered.
 * GitHub gives a delivery 10 s. So on PGlite the intake goes first: while deliveries arrive
 * (one came in the last `quietMs`, or one is being stored), the workers wait before their next
 * unit of work (a claim, a delivery of a batch), for at most `maxWaitMs` at a time, so that a
 * steady stream of deliveries slows the workers down but never stops them.
 */
export class IntakeFirst {
  #storing = 0;
  #lastArrival = 0;

  constructor(
    private readonly quietMs = 50,
    private readonly maxWaitMs = 500,
  ) {}

  /** A delivery arrived (before its body is read). */
  arrived(): void {
    this.#lastArrival = Date.now();
  }

  /** Runs a store: the workers hold back until it is done. */
  async storing<T>(store: () => Promise<T>): Promise<T> {
    this.#storing++;
    try {
      return await store();
    } finally {
      this.#storing--;
      this.#lastArrival = Date.now();
    }
  }

  /** Resolves once deliveries stopped arriving for `quietMs`, or after `maxWaitMs`. */
  async turn(): Promise<void> {
    const until = Date.now() + this.maxWaitMs;
    while (this.#busy() && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(this.quietMs, until - Date.now()))));
    }
  }

  #busy(): boolean {
    return this.#storing > 0 || Date.now() - this.#lastArrival < this.quietMs;
  }
}
