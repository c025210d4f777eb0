/**
 * Whether an error means "the database is not there right now" (down, restarting, out of
 * connections), as opposed to a query that is wrong: the first is waited out, the second is not.
 * postgres.js's connection codes, node's socket codes, and PostgreSQL's SQLSTATE classes 08
 * (connection exception), 53 (insufficient resources) and 57P (shutting down).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code } = error as { code?: unknown };
  if (typeof code !== "string") return false;
  return code.startsWith("CONNECTION_") || /^E[A-Z]+$/.test(code) || /^(08|53)[0-9A-Z]{3}$/.test(code) || /^57P0[1-4]$/.test(code);
}
