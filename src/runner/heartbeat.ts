/**
 * Keeps a run's lease while one of its agents works. Renews the lease every `ms`; when the run
 * is no longer ours (stopped by `/cw stop`, the label removed, the issue closed, or the lease
 * lost and the task reclaimed) the agent is killed through the returned signal.
 */
import { eq } from "drizzle-orm";
import { agents } from "../db/schema.js";
import type { RunDeps } from "./run-task.js";
import type { Fence } from "../db/task-fence.js";
import { renewLease } from "./task-claims.js";

export function startHeartbeat(deps: Pick<RunDeps, "database" | "log">, fence: Fence, agentId: string, ms: number, outer: AbortSignal) {
  const controller = new AbortController();
  const abort = () => controller.abort();
  outer.addEventListener("abort", abort);
  const timer = setInterval(() => {
    void (async () => {
      try {
        const ours = await renewLease(deps.database.db, fence);
        await deps.database.db.update(agents).set({ heartbeatAt: new Date() }).where(eq(agents.id, agentId));
        if (!ours) controller.abort();
      } catch (error) {
        deps.log.warn({ err: error }, "could not renew the lease");
      }
    })();
  }, ms);
  return {
    signal: controller.signal,
    stop() {
      clearInterval(timer);
      outer.removeEventListener("abort", abort);
    },
  };
}
