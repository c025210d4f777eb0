/** Issue bodies that drive the fake agent as a planning agent (it writes `.cw/output/plan.json`). */
import { fakeAgentScript } from "./flows.js";

/** The plan issue's body: the fake agent writes this plan.json (an object, or raw text), then takes the `then` steps. */
export function planBody(plan: unknown, text = "Plan the checkout.", then: readonly object[] = []): string {
  // Backticks as JSON escapes: the fake agent's own block ends at the first ``` it meets.
  const json = (typeof plan === "string" ? plan : JSON.stringify(plan)).replace(/`/g, "\\u0060");
  const write = { behavior: "edit", files: { ".cw/output/plan.json": json }, summary: "Planned the work." };
  return text + fakeAgentScript(then.length > 0 ? { steps: [write, ...then] } : write);
}

/** A planned task's body: its agent writes `file`. */
export function work(file: string, summary: string): string {
  return `Write ${file}.${fakeAgentScript({ behavior: "edit", files: { [file]: `${summary}\n` }, summary })}`;
}
