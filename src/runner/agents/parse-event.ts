/** Agent CLIs print one JSON event per line (claude stream-json, codex --json). */

/** One line as an object, or undefined for anything else (plain text, partial lines). */
export function parseEvent(line: string): (Record<string, unknown> & { type?: unknown; subtype?: unknown }) | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
