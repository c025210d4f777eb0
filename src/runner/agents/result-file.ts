/**
 * The agent's answer (DESIGN §3): `.cw/output/result.json`, one of
 *   {"status":"done","summary":"…"}
 *   {"status":"questions","questions":[{"id":"q1","question":"…"}]}
 *   {"status":"error","message":"…"}
 */
import { rm, mkdir } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { readAgentFile } from "../containment/safe-files.js";

export const RESULT_FILE = "result.json";
/** Where agents are told to write it, for messages. */
const RESULT_PATH = ".cw/output/result.json";
/** A result is a few paragraphs; anything far larger is not one. */
const MAX_RESULT_BYTES = 1_000_000;

const AgentResultSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("done"),
    /** What the agent did, for the PR and the issue. */
    summary: z.string().optional(),
    /** Fields some modes read (core/agent-modes.ts checks them): verify, discuss, review. */
    verdict: z.unknown().optional(),
    findings: z.unknown().optional(),
    decisions: z.unknown().optional(),
    review: z.unknown().optional(),
  }),
  z.object({
    status: z.literal("questions"),
    /** What the agent needs answered before it can go on; ids are echoed back in answers.md. */
    questions: z
      .array(z.object({ id: z.string().trim().min(1), question: z.string().trim().min(1) }))
      .min(1)
      .refine((questions) => new Set(questions.map((q) => q.id)).size === questions.length, {
        message: "question ids must be unique",
      }),
  }),
  z.object({
    status: z.literal("error"),
    /** Why the agent gave up. */
    message: z.string(),
  }),
]);

export type AgentResultFile = z.infer<typeof AgentResultSchema>;

export type ReadResult = { kind: "missing" } | { kind: "invalid"; message: string } | { kind: "valid"; result: AgentResultFile };

/** Makes the output directory and removes a result left by an earlier run (a resume after questions). */
export async function prepareOutputDir(outputDir: string): Promise<void> {
  await mkdir(outputDir, { recursive: true });
  await rm(path.join(outputDir, RESULT_FILE), { force: true });
}

/**
 * Reads `result.json` from `outputDir`, a folder inside `worktree` the agent owned: never through
 * a link the agent left (`result.json` → the app's key file), never more than a result's size.
 */
export async function readResultFile(worktree: string, outputDir: string): Promise<ReadResult> {
  const read = await readAgentFile(worktree, path.join(path.relative(worktree, outputDir), RESULT_FILE), MAX_RESULT_BYTES);
  if (read.kind === "missing") return { kind: "missing" };
  if (read.kind === "refused") return { kind: "invalid", message: `${RESULT_PATH} was not read: ${read.reason}` };
  const text = read.text;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: "invalid", message: `${RESULT_PATH} is not valid JSON: ${(error as Error).message}` };
  }
  const parsed = AgentResultSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`).join("; ");
    return {
      kind: "invalid",
      message: `${RESULT_PATH} does not match the protocol ({"status":"done","summary":…} | {"status":"questions","questions":[{"id","question"}]} | {"status":"error","message":…}): ${problems}`,
    };
  }
  return { kind: "valid", result: parsed.data };
}
