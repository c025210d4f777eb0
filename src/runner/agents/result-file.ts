/**
 * The agent's answer (DESIGN §3): `.cw/output/result.json`, one of
 *   {"status":"done","summary":"…"}
 *   {"status":"questions","questions":[{"id":"q1","question":"…"}]}
 *   {"status":"error","message":"…"}
 */
import { readFile, rm, mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

export const RESULT_FILE = "result.json";
/** Where agents are told to write it, for messages. */
const RESULT_PATH = ".cw/output/result.json";
/** A result is a few paragraphs; anything far larger is not one. */
const MAX_RESULT_BYTES = 1_000_000;

const AgentResultSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("done"),
    /** What the agent did, for the PR and the issue. */
    summary: z.string(),
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

export type ReadResult =
  | { kind: "missing" }
  | { kind: "invalid"; message: string }
  | { kind: "valid"; result: AgentResultFile };

/** Makes the output directory and removes a result left by an earlier run (a resume after questions). */
export async function prepareOutputDir(outputDir: string): Promise<void> {
  await mkdir(outputDir, { recursive: true });
  await rm(path.join(outputDir, RESULT_FILE), { force: true });
}

export async function readResultFile(outputDir: string): Promise<ReadResult> {
  const file = path.join(outputDir, RESULT_FILE);
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) return { kind: "invalid", message: `${RESULT_PATH} is not a file` };
    if (info.size > MAX_RESULT_BYTES) {
      return { kind: "invalid", message: `${RESULT_PATH} is ${info.size} bytes; at most ${MAX_RESULT_BYTES} are read` };
    }
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    return { kind: "invalid", message: `${RESULT_PATH} could not be read: ${(error as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: "invalid", message: `${RESULT_PATH} is not valid JSON: ${(error as Error).message}` };
  }
  const parsed = AgentResultSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
      .join("; ");
    return {
      kind: "invalid",
      message: `${RESULT_PATH} does not match the protocol ({"status":"done","summary":…} | {"status":"questions","questions":[{"id","question"}]} | {"status":"error","message":…}): ${problems}`,
    };
  }
  return { kind: "valid", result: parsed.data };
}
