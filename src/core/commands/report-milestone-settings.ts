/**
 * A reconcile planner: a milestone whose ```codewalkers settings block is invalid is ignored
 * (the repository's settings apply), and said so once, in one comment on the issue of the
 * initiative's first task (where an invalid `.github/codewalkers.yml` is reported too). Once the
 * block is fixed, the comment is edited to say so.
 */
import { createHash } from "node:crypto";
import { and, eq, like } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { githubComments } from "../../db/schema.js";
import { renderComment } from "../comment-body.js";
import type { UpsertCommentIntent } from "../intents.js";
import { recordIntents } from "./record-intents.js";
import type { ReconcileContext } from "./reconcile-project.js";

export const MILESTONE_SETTINGS_MARKER = "milestone-settings";

export async function reportMilestoneSettings(tx: Tx, ctx: ReconcileContext): Promise<void> {
  const rows = ctx.initiatives;
  const posted = await tx
    .select()
    .from(githubComments)
    .where(and(eq(githubComments.projectId, ctx.project.id), like(githubComments.marker, `${MILESTONE_SETTINGS_MARKER}:%`)));
  const intents: UpsertCommentIntent[] = [];
  for (const initiative of rows) {
    if (initiative.milestoneNumber === null || initiative.status === "archived") continue;
    const marker = `${MILESTONE_SETTINGS_MARKER}:${initiative.milestoneNumber}`;
    const earlier = posted.find((c) => c.marker === marker);
    let intent: UpsertCommentIntent | undefined;
    if (initiative.settingsError !== null) {
      const first = ctx.tasks
        .filter((t) => t.initiativeId === initiative.id && t.issueNumber !== null && t.status !== "cancelled")
        .sort((a, b) => a.issueNumber! - b.issueNumber!)[0];
      const issueNumber = earlier?.issueNumber ?? first?.issueNumber ?? undefined;
      if (issueNumber === undefined || issueNumber === null) continue;
      intent = { kind: "upsert-comment", repo: ctx.repo, issueNumber, marker, body: invalidText(initiative.name, initiative.settingsError) };
    } else if (earlier) {
      intent = {
        kind: "upsert-comment",
        repo: ctx.repo,
        issueNumber: earlier.issueNumber,
        marker,
        body: `✅ The settings block of milestone **${initiative.name}** is valid again, and applies.`,
      };
    }
    // Already saying exactly this: no write, not even a queued one.
    if (intent && earlier?.bodyHash !== createHash("sha256").update(renderComment(intent)).digest("hex")) intents.push(intent);
  }
  await recordIntents(tx, intents);
}

function invalidText(milestone: string, error: string): string {
  return (
    `⚠️ The \`\`\`codewalkers settings block in the description of milestone **${milestone}** is invalid, so it is ignored: ` +
    "the repository's settings (`.github/codewalkers.yml`) apply to this initiative.\n\n" +
    "```\n" +
    error.replace(/```/g, "ʼʼʼ") +
    "\n```\n\nFix the block in the milestone's description; this comment will say when it applies."
  );
}
