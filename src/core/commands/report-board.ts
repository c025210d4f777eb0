/**
 * Part of the board planner: a board the app cannot use (unreachable, no `Status` field, none of the
 * known options…) or can use only in part (a field of the wrong type, a mapped option it does
 * not have) is said once, in one comment on the issue of the repository's first task on that
 * board, where an invalid config is reported too. Everything else keeps working. Once the board
 * is usable, the comment is edited to say so.
 */
import { createHash } from "node:crypto";
import { and, eq, like } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { boards, githubComments } from "../../db/schema.js";
import { checkBoard, type BoardShape } from "../board.js";
import { renderComment } from "../comment-body.js";
import type { UpsertCommentIntent } from "../intents.js";
import type { BoardSettings } from "./board-settings.js";
import { recordIntents } from "./record-intents.js";
import type { ReconcileContext } from "./reconcile-project.js";

export const BOARD_MARKER = "board";

/** Run by the board planner (reconcile-board.ts) with the settings it read. */
export async function reportBoard(tx: Tx, ctx: ReconcileContext, settings: BoardSettings): Promise<void> {
  // No board: nothing to say (a comment about a board since dropped from the config stays as it was).
  if (settings.all.length === 0) return;
  const posted = await tx
    .select()
    .from(githubComments)
    .where(and(eq(githubComments.projectId, ctx.project.id), like(githubComments.marker, `${BOARD_MARKER}:%`)));

  const intents: UpsertCommentIntent[] = [];
  for (const setting of settings.all) {
    const [board] = await tx.select().from(boards).where(eq(boards.key, setting.key));
    const marker = `${BOARD_MARKER}:${setting.key}`;
    const earlier = posted.find((c) => c.marker === marker);
    let trouble: string[] = [];
    if (board?.problem) trouble = [board.problem];
    else if (board?.shape) trouble = checkBoard(board.shape as unknown as BoardShape, setting.statuses).notes;
    else continue; // not read yet
    let body: string;
    if (trouble.length > 0) body = troubleText(setting.board.url, Boolean(board?.problem), trouble);
    else if (earlier) body = `✅ The project board ${setting.board.url} is in use: Codewalkers keeps its cards current.`;
    else continue;
    const first = ctx.tasks
      .filter((t) => t.issueNumber !== null && t.status !== "cancelled" && settings.of(t.initiativeId)?.key === setting.key)
      .sort((a, b) => a.issueNumber! - b.issueNumber!)[0];
    const issueNumber = earlier?.issueNumber ?? first?.issueNumber ?? undefined;
    if (issueNumber === undefined || issueNumber === null) continue;
    const intent: UpsertCommentIntent = { kind: "upsert-comment", repo: ctx.repo, issueNumber, marker, body };
    // Already saying exactly this: no write, not even a queued one.
    if (earlier?.bodyHash !== createHash("sha256").update(renderComment(intent)).digest("hex")) intents.push(intent);
  }
  await recordIntents(tx, intents);
}

function troubleText(url: string, unusable: boolean, lines: string[]): string {
  const head = unusable
    ? `⚠️ Codewalkers cannot use the project board ${url}: ${lines[0]}.\n\nTasks run as usual; only the board is not kept current.`
    : `ℹ️ Codewalkers keeps the project board ${url} current, with these exceptions:\n\n${lines.map((l) => `- ${l}`).join("\n")}`;
  const fix = unusable ? "\n\nFix the board (or `board:` in `.github/codewalkers.yml`); this comment will say when the board is in use." : "";
  return `${head}${fix}`;
}
