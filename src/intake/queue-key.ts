/**
 * Which queue a delivery joins. Deliveries of one repository are processed one at a time, in
 * arrival order; installation-wide events (no repository) queue per installation.
 */
export function queueKeyOf(payload: Record<string, unknown>): string {
  const repository = payload.repository as { id?: unknown } | undefined;
  if (repository && typeof repository.id === "number") return `repo:${repository.id}`;
  const installation = payload.installation as { id?: unknown } | undefined;
  if (installation && typeof installation.id === "number") return `installation:${installation.id}`;
  return "app";
}

/** The repository whose queue `queueKey` is (as queueKeyOf makes it), if it is one. */
export function repositoryIdOf(queueKey: string): number | undefined {
  const match = /^repo:(\d+)$/.exec(queueKey);
  return match ? Number(match[1]) : undefined;
}

export function installationIdOf(payload: Record<string, unknown>): number | null {
  const installation = payload.installation as { id?: unknown } | undefined;
  return installation && typeof installation.id === "number" ? installation.id : null;
}
