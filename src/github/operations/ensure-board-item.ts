/**
 * An issue's card on an organization project shows what the reconcile asked for. The board is
 * read once (its fields and options, and on the first read every card, 100 a page, so cards
 * people added before are adopted, not added again), then each card costs one add and one
 * request for the fields it does not show yet. What GitHub now shows is stored
 * (`board_items.shown`), so the same value is never written twice.
 *
 * A board the app cannot use (no such project, no permission, a user's project seen as
 * nothing, no Status field…) is recorded on its row and its projects marked due: the reconcile
 * reports it once and stops asking until the board is due to be read again. Nothing else stops.
 */
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { boardItems, boards } from "../../db/schema.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import { BOARD_RECHECK_MS, boardKeyOf, checkBoard, pendingWrites, resolveCard, type BoardShape } from "../../core/board.js";
import type { EnsureBoardItemIntent } from "../../core/intents.js";
import type { AppOctokit } from "../octokit.js";
import { addCard, graphQLErrors, readBoardCards, readBoardShape, setCardFields } from "../board-graphql.js";

export async function ensureBoardItem(octokit: AppOctokit, intent: EnsureBoardItemIntent, db: Db): Promise<void> {
  const key = boardKeyOf(intent.board);
  const shape = await usableBoard(octokit, db, intent);
  if (!shape) return;
  const [item] = await db
    .select()
    .from(boardItems)
    .where(and(eq(boardItems.boardKey, key), eq(boardItems.contentNodeId, intent.contentNodeId)));
  if (!item) return; // the reconcile records the row with the intent; gone since: the project is gone
  const writes = resolveCard(shape, intent.values, intent.statuses);
  let itemId = item.removed ? null : item.itemId;
  let shown: Record<string, unknown> = itemId ? item.shown : {};
  if (!itemId) {
    itemId = await addCard(octokit, shape.projectId, intent.contentNodeId);
    shown = {};
    await db.update(boardItems).set({ itemId, shown, removed: false }).where(eq(boardItems.id, item.id));
  }
  let pending = pendingWrites(writes, shown);
  try {
    await setCardFields(octokit, shape.projectId, itemId, pending);
  } catch (error) {
    // The card was deleted without the app hearing of it: put it back once, with every field.
    if (!graphQLErrors(error)?.some((e) => e.type === "NOT_FOUND")) throw error;
    itemId = await addCard(octokit, shape.projectId, intent.contentNodeId);
    pending = writes;
    await setCardFields(octokit, shape.projectId, itemId, pending);
    shown = {};
  }
  for (const w of pending) shown = { ...shown, [w.field]: w.shown };
  await db.update(boardItems).set({ itemId, shown, removed: false }).where(eq(boardItems.id, item.id));
}

const reading = new Map<string, Promise<BoardShape | null>>();

/** The board's shape when the app can use it; null (and the problem recorded) when it cannot. */
async function usableBoard(octokit: AppOctokit, db: Db, intent: EnsureBoardItemIntent): Promise<BoardShape | null> {
  const key = boardKeyOf(intent.board);
  const [row] = await db.select().from(boards).where(eq(boards.key, key));
  const fresh = row?.checkedAt ? Date.now() - row.checkedAt.getTime() < BOARD_RECHECK_MS : false;
  if (row && fresh) return row.problem ? null : (row.shape as unknown as BoardShape | null);
  // Several cards of one board at once read it once.
  let read = reading.get(key);
  if (!read) {
    read = readBoard(octokit, db, intent, row?.problem ?? null, Boolean(row?.shape)).finally(() => reading.delete(key));
    reading.set(key, read);
  }
  return read;
}

async function readBoard(octokit: AppOctokit, db: Db, intent: EnsureBoardItemIntent, before: string | null, known: boolean): Promise<BoardShape | null> {
  const key = boardKeyOf(intent.board);
  const { org, number } = intent.board;
  let shape: BoardShape | null = null;
  let problem: string | null = null;
  try {
    shape = await readBoardShape(octokit, org, number);
    if (!shape) problem = unreachable(org, number);
  } catch (error) {
    const errors = graphQLErrors(error);
    if (!errors) throw error; // HTTP or network: the outbox retries
    problem = errors.some((e) => e.type === "FORBIDDEN" || /not accessible by integration/i.test(e.message))
      ? `the app may not read or write the projects of \`${org}\`: the organization must grant the app the **Projects (read and write)** permission`
      : errors.some((e) => e.type === "NOT_FOUND")
        ? unreachable(org, number)
        : `GitHub refused to read it (${errors.map((e) => e.message).join("; ")})`;
  }
  if (shape) problem = checkBoard(shape, intent.statuses).problem;
  if (shape && !problem && (!known || before !== null)) await adoptCards(octokit, db, key, shape.projectId);
  await db
    .update(boards)
    .set({ shape: shape as unknown as Record<string, unknown> | null, projectNodeId: shape?.projectId ?? null, problem, checkedAt: new Date() })
    .where(eq(boards.key, key));
  if (problem !== before) {
    // The reconcile of every repository on this board reports the change (and writes its cards).
    const rows = await db.selectDistinct({ projectId: boardItems.projectId }).from(boardItems).where(eq(boardItems.boardKey, key));
    if (rows.length)
      await markReconcileDue(
        db,
        rows.map((r) => r.projectId),
      );
  }
  return problem ? null : shape;
}

function unreachable(org: string, number: number): string {
  return `GitHub knows no project number ${number} of the organization \`${org}\` that the app can see (a wrong URL, a deleted project, or one the app was not given access to)`;
}

/** Cards people put on the board before the app: their ids and what they show, so nothing is added or written twice. */
async function adoptCards(octokit: AppOctokit, db: Db, key: string, projectId: string): Promise<void> {
  const cards = await readBoardCards(octokit, projectId);
  const byContent = new Map(cards.filter((c) => c.contentNodeId).map((c) => [c.contentNodeId!, c]));
  if (byContent.size === 0) return;
  const rows = await db
    .select({ id: boardItems.id, contentNodeId: boardItems.contentNodeId })
    .from(boardItems)
    .where(and(eq(boardItems.boardKey, key), isNull(boardItems.itemId), inArray(boardItems.contentNodeId, [...byContent.keys()])));
  for (const row of rows) {
    const card = byContent.get(row.contentNodeId)!;
    await db.update(boardItems).set({ itemId: card.itemId, shown: card.shown }).where(eq(boardItems.id, row.id));
  }
}
