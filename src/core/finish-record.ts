/**
 * A run's finish as text: what `finishRun` is given, written down before it is tried so that a
 * runner that dies before the database records it can record it at its next start
 * (`runner/finish-journal.ts`, `runner/replay-finishes.ts`). JSON keeps all of it but dates,
 * which go out as ISO strings; the schema reads them back as dates and refuses anything else,
 * so a record read back is exactly the `FinishInput` that was written.
 */
import { z } from "zod";
import type { FinishInput } from "./commands/finish-run.js";
import { TASK_CATEGORIES, TASK_PRIORITIES, TASK_TYPES, type AgentStatus } from "./statuses.js";

const date = z.iso.datetime().transform((s) => new Date(s));

const fence = z.object({ taskId: z.string(), attempt: z.number().int(), runnerId: z.string() });

const finding = z.object({ message: z.string(), path: z.string().optional(), line: z.number().optional() });

const reviewComment = z.object({
  id: z.number().optional(),
  path: z.string(),
  line: z.number(),
  startLine: z.number().optional(),
  side: z.enum(["LEFT", "RIGHT"]).optional(),
  body: z.string(),
  diffHunk: z.string().optional(),
});

const planRef = z.union([z.object({ key: z.string() }), z.object({ number: z.number() })]);

const plan = z.object({
  phases: z.array(z.object({ key: z.string(), title: z.string(), body: z.string(), dependsOn: z.array(planRef) })),
  tasks: z.array(
    z.object({
      key: z.string(),
      title: z.string(),
      body: z.string(),
      phase: planRef.nullable(),
      parent: planRef.nullable(),
      dependsOn: z.array(planRef),
      category: z.enum(TASK_CATEGORIES),
      type: z.enum(TASK_TYPES),
      priority: z.enum(TASK_PRIORITIES),
    }),
  ),
  pages: z.array(z.object({ path: z.string(), title: z.string(), body: z.string() })),
  edits: z.array(z.object({ issue: z.number(), title: z.string().optional(), body: z.string().optional(), close: z.boolean() })),
});

const usage = z.record(z.string(), z.unknown());

const runEnd = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("completed"),
    summary: z.string(),
    comment: z.string(),
    usage: usage.optional(),
    costUsd: z.number().optional(),
    noChanges: z.boolean().optional(),
    verdict: z.object({ verdict: z.literal("pass"), findings: z.array(finding), headSha: z.string() }).optional(),
    review: z
      .object({ commitId: z.string(), body: z.string(), summary: z.string(), comments: z.array(reviewComment), askedFor: z.string().nullable() })
      .optional(),
    headSha: z.string().optional(),
    diffStat: z.string().optional(),
    plan: z.object({ mode: z.enum(["plan", "detail", "refine"]), plan }).optional(),
  }),
  z.object({ kind: z.literal("verify-failed"), agentName: z.string(), summary: z.string(), findings: z.array(finding), headSha: z.string() }),
  z.object({
    kind: z.literal("questions"),
    questions: z.array(z.object({ id: z.string(), question: z.string() })),
    comment: z.string(),
    sessionId: z.string().nullable(),
  }),
  z.object({ kind: z.literal("retry"), error: z.string(), comment: z.string(), runAfter: date }),
  z.object({ kind: z.literal("failed"), error: z.string(), comment: z.string() }),
  z.object({
    kind: z.literal("requeue"),
    reason: z.string(),
    runAfter: date.nullable(),
    comment: z.object({ marker: z.string(), body: z.string() }).optional(),
  }),
  z.object({ kind: z.literal("stopped"), comment: z.string() }),
]);

const finishInput = z.object({
  fence,
  agentId: z.string(),
  exitCode: z.number().int().nullable(),
  sessionId: z.string().nullable(),
  logTail: z.string(),
  end: runEnd,
  usage: z.object({ usage, costUsd: z.number().nullable() }).optional(),
});

/** True only when A and B are the same type: a field added to `FinishInput` (or `RunEnd`) must be added above. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const schemaReadsAllOfIt: Same<z.output<typeof finishInput>, FinishInput> = true;
void schemaReadsAllOfIt;

export function encodeFinish(input: FinishInput): string {
  return `${JSON.stringify(input, null, 2)}\n`;
}

export type DecodedFinish = { ok: true; input: FinishInput } | { ok: false; problem: string };

/** Reads a record back; anything that is not one (cut short, edited, another version's) says why. */
export function decodeFinish(text: string): DecodedFinish {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not JSON: ${(error as Error).message}` };
  }
  const parsed = finishInput.safeParse(value);
  return parsed.success ? { ok: true, input: parsed.data } : { ok: false, problem: z.prettifyError(parsed.error) };
}

/** What a runner's start does with a finish its previous life journaled and may not have recorded. */
export type ReplayStep = { kind: "finish"; input: FinishInput } | { kind: "drop"; reason: string } | { kind: "set-aside"; problem: string };

/**
 * A finish is recorded again only while its agent is still `running`: `finishRun` is what moves
 * an agent on, so any other status means the first life recorded it and died before removing
 * the record (recording it twice would mark a finished agent stopped).
 */
export function replayStep(text: string, agentStatus: AgentStatus | undefined): ReplayStep {
  const decoded = decodeFinish(text);
  if (!decoded.ok) return { kind: "set-aside", problem: decoded.problem };
  if (agentStatus === undefined) return { kind: "drop", reason: "its agent is not in the database" };
  if (agentStatus !== "running") return { kind: "drop", reason: `it was recorded already (its agent is ${agentStatus})` };
  return { kind: "finish", input: decoded.input };
}
