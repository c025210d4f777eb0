import type { TaskPriority } from "./statuses.js";

const DIGITS = /^\d+$/;

/**
 * The last tie-break everywhere in the graph. Ids are often issue numbers, and "#9" before "#12"
 * is what a person expects, so all-digit ids compare as numbers; anything else by code unit,
 * which unlike localeCompare gives the same answer on every host.
 */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  if (DIGITS.test(a) && DIGITS.test(b)) {
    const x = a.replace(/^0+(?=\d)/, "");
    const y = b.replace(/^0+(?=\d)/, "");
    if (x.length !== y.length) return x.length - y.length;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a < b ? -1 : 1;
}

const RANK: Readonly<Record<TaskPriority, number>> = { high: 0, medium: 1, low: 2 };

/** Lower runs first. A missing priority is "medium", the schema's default. */
export function priorityRank(priority: TaskPriority | undefined): number {
  return RANK[priority ?? "medium"];
}
