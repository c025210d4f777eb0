/**
 * At the runner's start, before it takes back or claims any task: the finishes its previous life
 * journaled (`finish-journal.ts`) and did not record — the agent had finished and its work was
 * pushed, but the database was away and the process died (killed, out of memory, a reboot). Each
 * is recorded now with the run's own fence, exactly as the first life would have: the task moves
 * on (pull request, summary, statuses) and its agent is not run again. A finish whose task moved
 * on meanwhile (stopped, or claimed again by another runner) is dropped: `finishRun` changes
 * nothing but the run's own agent row. A file that is not a finish is set aside and the task is
 * taken back through its lease as before. Nothing here stops the runner from starting.
 */
import { eq } from "drizzle-orm";
import { finishRun } from "../core/commands/finish-run.js";
import { replayStep } from "../core/finish-record.js";
import type { Database } from "../db/client.js";
import { isDatabaseUnavailable } from "../db/unavailable.js";
import { agents } from "../db/schema.js";
import type { Logger } from "../logger.js";
import { FinishJournal } from "./finish-journal.js";
import { untilDatabaseAnswers } from "./until-database-answers.js";

export interface ReplayedFinishes {
  recorded: number;
  dropped: number;
  setAside: number;
}

export async function replayFinishes(deps: { database: Database; log: Logger; workDir: string; signal?: AbortSignal }): Promise<ReplayedFinishes> {
  const { database, log } = deps;
  const journal = new FinishJournal(deps.workDir);
  const counts: ReplayedFinishes = { recorded: 0, dropped: 0, setAside: 0 };
  const entries = await journal.list().catch((error: unknown) => {
    log.error({ err: error, dir: journal.dir }, "could not read the journal of run finishes: none is recorded at this start");
    return [];
  });
  for (const entry of entries) {
    const flog = log.child({ agentId: entry.agentId });
    try {
      const [agent] = await database.db.select({ status: agents.status }).from(agents).where(eq(agents.id, entry.agentId));
      const step = replayStep(await journal.read(entry), agent?.status);
      if (step.kind === "set-aside") {
        const to = await journal.setAside(entry);
        flog.error({ problem: step.problem, file: to }, "a journaled run finish could not be read: set aside (its task is taken back through its lease)");
        counts.setAside++;
        continue;
      }
      let recorded = false;
      if (step.kind === "drop") {
        flog.info({ reason: step.reason }, "dropped a journaled run finish");
      } else {
        const input = step.input;
        recorded = await untilDatabaseAnswers(flog, deps.signal ?? new AbortController().signal, () => finishRun(database.db, input));
        if (recorded)
          flog.warn({ task: input.fence.taskId, outcome: input.end.kind }, "recorded the finish of a run whose process died before the database could");
        else flog.warn({ task: input.fence.taskId }, "dropped a journaled run finish: its task moved on meanwhile (stopped, or claimed again)");
      }
      await journal.remove(entry.agentId);
      if (recorded) counts.recorded++;
      else counts.dropped++;
    } catch (error) {
      // The database away again: the file stays for the next start. Anything else is a finish
      // this code cannot record: set aside, for a person, so it never blocks a start.
      if (isDatabaseUnavailable(error)) {
        flog.error({ err: error }, "could not record a journaled run finish: the database is unavailable (tried again at the next start)");
        continue;
      }
      const to = await journal.setAside(entry).catch(() => entry.file);
      flog.error({ err: error, file: to }, "could not record a journaled run finish: set aside");
      counts.setAside++;
    }
  }
  return counts;
}
