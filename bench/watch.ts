/**
 * Watching agents: how many check-run updates a five-minute agent run that prints all the time
 * makes (target: at most one per 10 s). The runner's LiveTail runs on a simulated clock, so
 * five minutes take milliseconds; each publication goes through the same decision the
 * reconcile makes (core/task-check-run.ts and its hash: a check run already showing it is not
 * written).
 */
import { pathToFileURL } from "node:url";
import { checkRunHash } from "../src/core/check-run-output.js";
import { planTaskCheckRun, type CheckRunTask } from "../src/core/task-check-run.js";
import { CHECK_RUN_REFRESH_MS, LiveTail, type Clock } from "../src/runner/live-tail.js";

const RUN_MS = 5 * 60_000;
const LINE_EVERY_MS = 50;

/** A clock whose time moves only when told to, firing the timers that fall due. */
class SimulatedClock implements Clock {
  #now = 0;
  #timers: { at: number; fn: () => void; id: number }[] = [];
  #nextId = 1;
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.push({ at: this.#now + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }
  async advanceTo(time: number): Promise<void> {
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers[0];
      if (!next || next.at > time) break;
      this.#timers.shift();
      this.#now = next.at;
      next.fn();
      await Promise.resolve();
    }
    this.#now = time;
  }
}

export async function benchWatch(): Promise<Record<string, number | string>> {
  const clock = new SimulatedClock();
  const writes: number[] = [];
  let shownHash: string | null = null;
  const started = new Date(0);
  const task = (tail: string, at: Date): CheckRunTask => ({
    issueNumber: 12,
    name: "Cart model",
    status: "in_progress",
    waitsForPerson: false,
    summary: null,
    lastError: null,
    blockedReason: null,
    agent: {
      name: "jolly-penguin",
      status: "running",
      startedAt: started,
      finishedAt: null,
      headSha: "a".repeat(40),
      logTail: tail,
      logTailAt: at,
      diffStat: null,
    },
    pullRequestHead: null,
    usage: null,
    shown: [],
  });
  let publications = 0;
  const live = new LiveTail(
    async (tail, at) => {
      publications++;
      // The reconcile that the publication marks due: a write only when the output differs.
      const [write] = planTaskCheckRun(task(tail, at));
      const hash = checkRunHash(write!);
      if (hash !== shownHash) {
        shownHash = hash;
        writes.push(clock.now());
      }
    },
    CHECK_RUN_REFRESH_MS,
    clock,
  );
  let lines = 0;
  for (let t = 0; t < RUN_MS; t += LINE_EVERY_MS) {
    await clock.advanceTo(t);
    live.push([`{"type":"assistant","n":${++lines},"text":"working on line ${lines}"}`]);
  }
  await clock.advanceTo(RUN_MS);
  await live.stop();
  let maxPer10s = 0;
  for (const at of writes) maxPer10s = Math.max(maxPer10s, writes.filter((w) => w >= at && w < at + 10_000).length);
  return {
    "watch.simulatedRunSeconds": RUN_MS / 1000,
    "watch.linesPrinted": lines,
    "watch.tailPublications": publications,
    "watch.checkRunUpdates": writes.length,
    "watch.maxUpdatesPer10s (target ≤ 1)": maxPer10s,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(await benchWatch());
}
