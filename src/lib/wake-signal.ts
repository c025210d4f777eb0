/**
 * A wake-up for a polling loop: `wait(ms)` resolves after `ms`, or at once when `wake()` is
 * called. A wake that arrives while nobody waits is remembered, so no work is missed.
 */
export class WakeSignal {
  #pending = false;
  #waiters = new Set<() => void>();

  wake(): void {
    if (this.#waiters.size === 0) {
      this.#pending = true;
      return;
    }
    for (const resolve of this.#waiters) resolve();
    this.#waiters.clear();
  }

  wait(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }
}
