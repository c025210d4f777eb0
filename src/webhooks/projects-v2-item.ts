/**
 * projects_v2_item: people's work on a board's cards, as a list of steps.
 * 1. Only issue cards of a board the app keeps, for a task or phase of an installed repository;
 *    the app's own writes and other bots' change nothing (so nothing loops back).
 * 2. Deleted: remembered, added back on the next change. Created: adopted.
 * 3. Status moved to the start option (`Ready`, else `In Progress`): a writer starts the task
 *    as the trigger label would; a reader gets one polite reply.
 * 4. Whatever the board now shows is stored; the reconcile sets back a move that is not the
 *    task's real status.
 */
import type { Context } from "probot";
import { and, eq } from "drizzle-orm";
import { boardItems, boards, phases, projects } from "../db/schema.js";
import { isStartMove, type BoardShape } from "../core/board.js";
import { canonicalField } from "../github/board-graphql.js";
import { issueFactsOf } from "../core/issue-facts.js";
import { repoConfigOf } from "../core/commands/project-repo.js";
import { loadBoardSettings } from "../core/commands/board-settings.js";
import { recordCardAdded, recordCardRemoved, recordCardShows, startFromBoard } from "../core/commands/board-moves.js";
import type { Services } from "../services.js";
import { authorize } from "./authorize.js";

type ItemContext = Context<"projects_v2_item">;

export function onProjectsV2Item(services: Services) {
  return async (context: ItemContext): Promise<void> => {
    const { payload } = context;
    const db = services.database.db;
    const item = payload.projects_v2_item;
    if (item.content_type !== "Issue" || payload.sender.type === "Bot" || !item.project_node_id) return;

    const [board] = await db.select().from(boards).where(eq(boards.projectNodeId, item.project_node_id));
    if (!board?.shape) return;
    const [card] = await db
      .select()
      .from(boardItems)
      .where(and(eq(boardItems.boardKey, board.key), eq(boardItems.contentNodeId, item.content_node_id)));
    if (!card) return; // not an issue of the app's tasks or phases
    const [project] = await db.select().from(projects).where(eq(projects.id, card.projectId));
    if (!project?.installed) return;

    if (payload.action === "deleted") return recordCardRemoved(db, card);
    if (payload.action === "created" || payload.action === "restored") {
      if (item.node_id) await recordCardAdded(db, card, item.node_id);
      return services.wakeReconciler();
    }
    if (payload.action !== "edited") return;
    const change = payload.changes && "field_value" in payload.changes ? payload.changes.field_value : undefined;
    const shape = board.shape as unknown as BoardShape;
    const fieldName = change?.field_name ?? shape.fields.find((f) => f.id === change?.field_node_id)?.name;
    const to = change?.to;
    // Only Status moves matter; an edit that does not say where the card went is left alone.
    if (!fieldName || canonicalField(fieldName) !== "Status" || !to || typeof to !== "object" || !("name" in to)) return;

    const setting = (await db.transaction((tx) => loadBoardSettings(tx, project))).all.find((s) => s.key === board.key);
    const isTask = await isTaskCard(services, card.projectId, card.issueNumber);
    if (setting && isTask && isStartMove(shape, setting.statuses, to.name)) {
      const [owner = "", repo = ""] = project.name.split("/");
      if (await authorize(services, context, project, card.issueNumber, payload.sender, "start work from the project board")) {
        const { data } = await context.octokit.rest.issues.get({ owner, repo, issue_number: card.issueNumber });
        await startFromBoard(db, { project, issue: issueFactsOf(data), config: repoConfigOf(project), by: payload.sender.login });
      }
    }
    await recordCardShows(db, card, "Status", to.name);
    services.wakeReconciler();
    services.wakeOutbox();
  };
}

/** A phase's card never starts anything: its tasks do. */
async function isTaskCard(services: Services, projectId: string, issueNumber: number): Promise<boolean> {
  const [phase] = await services.database.db
    .select({ id: phases.id })
    .from(phases)
    .where(and(eq(phases.projectId, projectId), eq(phases.issueNumber, issueNumber)));
  return !phase;
}
