/** Real example payloads published from GitHub's docs (@octokit/webhooks-examples). */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as {
  name: string;
  examples: Record<string, unknown>[];
}[];

/** A deep copy of the first example of `event` (with `action`, when given), to patch freely. */
export function examplePayload<T = Record<string, unknown>>(event: string, action?: string): T {
  const group = examples.find((e) => e.name === event);
  const example = group?.examples.find((p) => action === undefined || p.action === action);
  if (!example) throw new Error(`no webhooks-examples payload for ${event}${action ? `.${action}` : ""}`);
  return structuredClone(example) as T;
}
