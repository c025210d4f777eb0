/**
 * A reconcile planner: every task and phase issue of the repository has a card on its board
 * (`board:`), showing its status and, where the board has such fields, its phase, priority,
 * agent and attempts. It runs after the status planners, so it sees the statuses they settled.
 *
 * Nothing is written twice: a card is asked for only when what it should show differs from
 * what the board shows as far as the app knows (`board_items.shown`: the app's own writes and
 * people's moves), resolved against the board's options, so two statuses shown by one option
 * are one value. A card a person deleted stays deleted until what it should show changes. A
 * board the app cannot use is not written to until it is read again (github/operations).
 */
import { and, desc, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { agents, boardItems, boards, tasks } from "../../db/schema.js";
import { sameJson } from "../../lib/same-json.js";
import { BOARD_RECHECK_MS, boardStatusOf, pendingWrites, resolveCard, type BoardShape, type CardValues } from "../board.js";
import type { EnsureBoardItemIntent } from "../intents.js";
import { phaseLabel } from "../plan-pull-requests.js";
import { statusLabelFor } from "../plan-task-statuses.js";
import { loadBoardSettings, type BoardSetting, type BoardSettings } from "./board-settings.js";
import { recordIntents } from "./record-intents.js";
import { reportBoard } from "./report-board.js";
import type { ReconcileContext } from "./reconcile-project.js";

interface Card {
  setting: BoardSetting;
  issueNumber: number;
  contentNodeId: string;
  values: CardValues;
}

export async function reconcileBoard(tx: Tx, ctx: ReconcileContext): Promise<void> {
  const settings = await loadBoardSettings(tx, ctx.project);
  if (settings.all.length === 0) return;
  await tx
    .insert(boards)
    .values(settings.all.map((s) => ({ key: s.key, org: s.board.org, number: s.board.number })))
    .onConflictDoNothing();

  await planCards(tx, ctx, settings);
  // Then what is wrong with a board, once (report-board.ts).
  await reportBoard(tx, ctx, settings);
}

async function planCards(tx: Tx, ctx: ReconcileContext, settings: BoardSettings): Promise<void> {
  const cards = await cardsOf(tx, ctx, settings.of);
  if (cards.length === 0) return;
  const [boardRows, itemRows] = await Promise.all([
    tx
      .select()
      .from(boards)
      .where(
        inArray(
          boards.key,
          settings.all.map((s) => s.key),
        ),
      ),
    tx.select().from(boardItems).where(eq(boardItems.projectId, ctx.project.id)),
  ]);
  const boardByKey = new Map(boardRows.map((b) => [b.key, b]));
  const itemByCard = new Map(itemRows.map((i) => [`${i.boardKey} ${i.contentNodeId}`, i]));
  const now = Date.now();

  const intents: EnsureBoardItemIntent[] = [];
  const desired: { card: Card; exists: boolean }[] = [];
  for (const card of cards) {
    const board = boardByKey.get(card.setting.key);
    const item = itemByCard.get(`${card.setting.key} ${card.contentNodeId}`);
    // A board that cannot be used is left alone until it is due to be read again.
    if (board?.problem && board.checkedAt && now - board.checkedAt.getTime() < BOARD_RECHECK_MS) continue;
    // A cancelled task that never had a card gets none.
    if (!item && card.values.status === null) continue;
    if (item?.removed && sameJson(item.desired, card.values)) continue;
    const shape = board?.shape && !board.problem ? (board.shape as unknown as BoardShape) : undefined;
    if (shape && item?.itemId && !item.removed) {
      const writes = resolveCard(shape, card.values, card.setting.statuses);
      if (pendingWrites(writes, item.shown).length === 0) {
        if (!sameJson(item.desired, card.values)) desired.push({ card, exists: true });
        continue;
      }
    }
    if (!item || !sameJson(item.desired, card.values)) desired.push({ card, exists: Boolean(item) });
    intents.push({
      kind: "ensure-board-item",
      repo: ctx.repo,
      board: card.setting.board,
      statuses: card.setting.statuses,
      issueNumber: card.issueNumber,
      contentNodeId: card.contentNodeId,
      values: card.values,
    });
  }
  if (desired.length > 0) {
    await tx
      .insert(boardItems)
      .values(
        desired.map(({ card }) => ({
          boardKey: card.setting.key,
          projectId: ctx.project.id,
          issueNumber: card.issueNumber,
          contentNodeId: card.contentNodeId,
          desired: card.values as unknown as Record<string, unknown>,
        })),
      )
      .onConflictDoUpdate({
        target: [boardItems.boardKey, boardItems.contentNodeId],
        set: { desired: sql`excluded.desired`, issueNumber: sql`excluded.issue_number`, updatedAt: sql`now()` },
      });
  }
  await recordIntents(tx, intents);
}

/** What each task and phase issue's card should show, read after the status planners ran. */
async function cardsOf(tx: Tx, ctx: ReconcileContext, boardOf: (initiativeId: string | null) => BoardSetting | undefined): Promise<Card[]> {
  const rows = await tx
    .select({
      id: tasks.id,
      issueNumber: tasks.issueNumber,
      issueNodeId: tasks.issueNodeId,
      status: tasks.status,
      priority: tasks.priority,
      attempt: tasks.attempt,
      phaseId: tasks.phaseId,
      initiativeId: tasks.initiativeId,
    })
    .from(tasks)
    .where(and(eq(tasks.projectId, ctx.project.id), isNotNull(tasks.issueNumber), isNotNull(tasks.issueNodeId)));
  const ids = rows.map((r) => r.id);
  const agentRows = ids.length
    ? await tx
        .select({ taskId: agents.taskId, name: agents.name, status: agents.status, mode: agents.mode })
        .from(agents)
        .where(inArray(agents.taskId, ids))
        .orderBy(desc(agents.createdAt))
    : [];
  const awaiting = new Set(agentRows.filter((a) => a.status === "waiting_for_input").map((a) => a.taskId));
  const newestAgent = new Map<string, string>();
  for (const a of agentRows) if (a.taskId && a.mode !== "merge" && !newestAgent.has(a.taskId)) newestAgent.set(a.taskId, a.name);
  const phaseById = new Map(ctx.phases.map((p) => [p.id, p]));

  const cards: Card[] = [];
  for (const t of rows) {
    const setting = boardOf(t.initiativeId);
    if (!setting) continue;
    const label = statusLabelFor({ status: t.status, awaitingInput: awaiting.has(t.id), inReview: ctx.inReview.has(t.id) });
    cards.push({
      setting,
      issueNumber: t.issueNumber!,
      contentNodeId: t.issueNodeId!,
      values: {
        status: boardStatusOf(label),
        phase: t.phaseId ? (phaseById.get(t.phaseId)?.name ?? null) : null,
        priority: t.priority,
        agent: newestAgent.get(t.id) ?? null,
        attempts: t.attempt > 0 ? t.attempt : null,
      },
    });
  }
  for (const p of ctx.phases) {
    const setting = boardOf(p.initiativeId);
    if (!setting || p.issueNumber === null || !p.issueNodeId) continue;
    // A phase not started yet is shown as ready: nothing holds it.
    cards.push({
      setting,
      issueNumber: p.issueNumber,
      contentNodeId: p.issueNodeId,
      values: { status: boardStatusOf(phaseLabel(p.status)) ?? "ready", phase: p.name, priority: null, agent: null, attempts: null },
    });
  }
  return cards;
}
