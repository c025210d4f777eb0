/** milestone: the initiative follows its milestone (title, description settings, open/closed, deleted). */
import type { Context } from "probot";
import { milestoneFactsOf } from "../core/issue-facts.js";
import { archiveInitiative, upsertInitiative } from "../core/commands/sync-initiative.js";
import { markReconcileDue } from "../db/reconcile-due.js";
import type { Services } from "../services.js";
import { projectFor } from "./project-for.js";
import { projectTransaction } from "../core/commands/project-transaction.js";

export function onMilestone(services: Services) {
  return async (context: Context<"milestone">): Promise<void> => {
    const { payload } = context;
    const project = await projectFor(services, payload);
    await projectTransaction(services.database.db, project.id, async (tx) => {
      if (payload.action === "deleted") {
        await archiveInitiative(tx, project, payload.milestone.number);
      } else {
        await upsertInitiative(tx, project, milestoneFactsOf(payload.milestone));
      }
      await markReconcileDue(tx, project.id);
    });
    services.wakeOutbox();
  };
}
