/** What a check run shows (within GitHub's limits), and its hash: a check run already showing it needs no write. */
import { createHash } from "node:crypto";
import type { EnsureCheckRunIntent } from "./intents.js";

/** GitHub's limit for a check run's output text and summary. */
const MAX_OUTPUT = 65_535;

export function checkRunOutput(intent: Pick<EnsureCheckRunIntent, "title" | "summary" | "text">) {
  return {
    title: intent.title.slice(0, 255),
    summary: intent.summary.slice(0, MAX_OUTPUT),
    ...(intent.text ? { text: intent.text.slice(-MAX_OUTPUT) } : {}),
  };
}

/** What identifies a check run's content: the same hash means nothing to send. */
export function checkRunHash(intent: Pick<EnsureCheckRunIntent, "status" | "conclusion" | "title" | "summary" | "text">): string {
  return createHash("sha256").update(JSON.stringify({ s: intent.status, c: intent.conclusion, output: checkRunOutput(intent) })).digest("hex");
}
