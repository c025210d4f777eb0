/**
 * The reply to a writer's `/cw …` comment: one comment per issue that the app keeps up to date
 * (marker `reply`), mentioning who asked, each command quoted above its answer.
 *
 * A `/cw status` asked while a reconcile is owed must report the state that reconcile settles.
 * Rather than running the whole reconcile inside the comment's handling (once per question,
 * however many came in a burst), the reply is owed to the project's next reconcile: a row
 * (`owed_replies`) that the reconcile answers as its last planner, with the statuses it just
 * settled. A burst of events and questions on a repository is then one reconcile. Any later
 * reply on an issue with one owed queues behind it, so the reply comment never goes back in time.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { columnValue, statement } from "../../db/prepared.js";
import type { Db, Tx } from "../../db/client.js";
import { markReconcileDue } from "../../db/reconcile-due.js";
import { sendWithoutWaiting } from "../../db/held-lock.js";
import { owedReplies } from "../../db/schema.js";
import type { GitHubIntent } from "../intents.js";
import { projectTransaction } from "./project-transaction.js";
import { repoConfigOf, repoRefOf, type ProjectRow } from "./project-repo.js";
import { recordIntents } from "./record-intents.js";
import type { ReconcileContext } from "./reconcile-project.js";
import { statusRepliesOf } from "./status-reply.js";
import { runSlashCommand, type SlashCommandInput } from "./run-slash-command.js";
import type { SlashCommand } from "../slash-commands.js";

export const REPLY_MARKER = "reply";

export interface ReplyPart {
  /** The command's line, as the writer wrote it. */
  line: string;
  /** Its answer; `null` for a `/cw status` the next reconcile answers. */
  reply: string | null;
}

export interface CommandReply {
  project: ProjectRow;
  issueNumber: number;
  isPullRequest: boolean;
  by: string;
  parts: readonly ReplyPart[];
}

/** A writer's comment: each of its commands in order, then the one reply to them all. Returns its parts (a `null` reply is owed). */
export async function answerSlashCommands(db: Db, input: Omit<SlashCommandInput, "command"> & { commands: readonly SlashCommand[] }): Promise<ReplyPart[]> {
  const parts: ReplyPart[] = [];
  for (const command of input.commands) parts.push({ line: command.line.trim(), reply: await runSlashCommand(db, { ...input, command }) });
  await recordReply(db, { project: input.project, issueNumber: input.issue.number, isPullRequest: input.issue.isPullRequest, by: input.by, parts });
  return parts;
}

/** Records the reply now, or owes it to the next reconcile (a part is unanswered, or a reply on the issue is owed already). */
export async function recordReply(db: Db, reply: CommandReply): Promise<void> {
  const { project, issueNumber } = reply;
  await projectTransaction(db, project.id, async (tx) => {
    const answered = reply.parts.every((p) => p.reply !== null);
    if (answered && !(await replyOwed(tx, project.id, issueNumber))) {
      await recordIntents(tx, [replyIntent(project, issueNumber, reply.by, reply.parts as { line: string; reply: string }[])]);
      return;
    }
    // Owed already, in the common case; a reconcile that settled meanwhile is asked for again
    // (in the same round trip: both count only once the transaction commits). Nothing waits
    // for their answers (in a batch, they go with the next delivery's statements).
    await sendWithoutWaiting(
      tx,
      Promise.all([
        insertOwed(tx, {
          projectId: project.id,
          issueNumber,
          isPullRequest: reply.isPullRequest,
          requestedBy: reply.by,
          parts: reply.parts.map((p) => ({ line: p.line, reply: p.reply })),
        }),
        markReconcileDue(tx, project.id),
      ]),
    );
  });
}

/** The reconcile's last planner: every reply owed on the project, answered from the state it settled, in order. */
export async function answerOwedReplies(tx: Tx, ctx: ReconcileContext): Promise<void> {
  const rows = await tx.select().from(owedReplies).where(eq(owedReplies.projectId, ctx.project.id)).orderBy(owedReplies.seq);
  if (rows.length === 0) return;
  const triggerLabel = repoConfigOf(ctx.project).triggerLabel;
  // Every `/cw status` owed is answered from what this reconcile holds, in one read for all
  // (status-reply.ts); the intents keep the rows' order. Replies on one issue share its reply
  // comment: recordIntents keeps the last.
  const owed = rows.flatMap((row) =>
    row.parts
      .filter((part) => part.reply === null)
      .map(() => ({ project: ctx.project, issueNumber: row.issueNumber, isPullRequest: row.isPullRequest, triggerLabel })),
  );
  const answers = (await statusRepliesOf(tx, ctx, owed)).values();
  const intents: GitHubIntent[] = rows.map((row) =>
    replyIntent(
      ctx.project,
      row.issueNumber,
      row.requestedBy,
      row.parts.map((part) => ({ line: part.line, reply: part.reply ?? answers.next().value! })),
    ),
  );
  await recordIntents(tx, intents);
  await tx.delete(owedReplies).where(
    inArray(
      owedReplies.seq,
      rows.map((r) => r.seq),
    ),
  );
}

// Every `/cw status` in a burst owes one: built once (see db/prepared.ts).
const insertOwed = statement<Pick<typeof owedReplies.$inferInsert, "projectId" | "issueNumber" | "isPullRequest" | "requestedBy" | "parts">, unknown>(
  "owe_reply",
  (db) =>
    db.insert(owedReplies).values({
      projectId: sql.placeholder("projectId"),
      issueNumber: sql.placeholder("issueNumber"),
      isPullRequest: columnValue("isPullRequest", owedReplies.isPullRequest),
      requestedBy: sql.placeholder("requestedBy"),
      parts: columnValue("parts", owedReplies.parts),
    }),
);

async function replyOwed(tx: Tx, projectId: string, issueNumber: number): Promise<boolean> {
  const [row] = await tx
    .select({ seq: owedReplies.seq })
    .from(owedReplies)
    .where(and(eq(owedReplies.projectId, projectId), eq(owedReplies.issueNumber, issueNumber)))
    .limit(1);
  return row !== undefined;
}

function replyIntent(project: ProjectRow, issueNumber: number, by: string, parts: readonly { line: string; reply: string }[]): GitHubIntent {
  return {
    kind: "upsert-comment",
    repo: repoRefOf(project),
    issueNumber,
    marker: REPLY_MARKER,
    body: `@${by}\n\n${parts.map((p) => `> ${p.line}\n\n${p.reply}`).join("\n\n---\n\n")}`,
  };
}
