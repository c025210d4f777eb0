/**
 * What agents cost: tokens and dollars per run (as the agent reported them on `agents.usage` /
 * `agents.cost_usd`), summed per task, phase and initiative for `/cw status`, the check runs and
 * the pull-request bodies. Pure.
 */

export interface UsageTotals {
  /** Agent runs counted (merge agents included). */
  runs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export const NO_USAGE: UsageTotals = { runs: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };

export function sumUsage(items: Iterable<UsageTotals | null | undefined>): UsageTotals {
  const total = { ...NO_USAGE };
  for (const u of items) {
    if (!u) continue;
    total.runs += u.runs;
    total.inputTokens += u.inputTokens;
    total.outputTokens += u.outputTokens;
    total.costUsd += u.costUsd;
  }
  return total;
}

/** "3 runs, 12,400 input + 3,100 output tokens, $0.4210"; null when nothing ran. */
export function describeUsageTotals(u: UsageTotals | null | undefined): string | null {
  if (!u || u.runs === 0) return null;
  const tokens = `${u.inputTokens.toLocaleString("en-US")} input + ${u.outputTokens.toLocaleString("en-US")} output tokens`;
  return `${u.runs} run${u.runs === 1 ? "" : "s"}, ${tokens}, $${u.costUsd.toFixed(4)}`;
}
