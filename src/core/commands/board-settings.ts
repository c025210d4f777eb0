/**
 * Which board each issue of a project goes on: its initiative's `board:` (the milestone's
 * settings block) over the repository's (`.github/codewalkers.yml`, as the project remembers it).
 */
import { eq } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { initiatives } from "../../db/schema.js";
import { boardKeyOf, type BoardRef, type BoardStatusMap } from "../board.js";
import type { MilestoneSettings, RepoConfig } from "../repo-config.js";
import type { ProjectRow } from "./project-repo.js";

export interface BoardSetting {
  key: string;
  board: BoardRef;
  statuses: BoardStatusMap;
}

export interface BoardSettings {
  /** The board of an issue in this initiative (null: outside any milestone); undefined: none. */
  of(initiativeId: string | null): BoardSetting | undefined;
  /** Every board some issue of the project may go on. */
  readonly all: BoardSetting[];
}

export async function loadBoardSettings(tx: Tx, project: ProjectRow): Promise<BoardSettings> {
  const config = (project.config ?? {}) as Partial<RepoConfig>;
  const repoSetting = settingOf(config.board, config.boardStatuses);
  const rows = await tx.select({ id: initiatives.id, settings: initiatives.settings }).from(initiatives).where(eq(initiatives.projectId, project.id));
  const byInitiative = new Map<string, BoardSetting | undefined>();
  for (const row of rows) {
    const settings = row.settings as MilestoneSettings;
    // A milestone's board takes its own mapping, else the repository's.
    byInitiative.set(row.id, settings.board ? settingOf(settings.board, settings.boardStatuses ?? config.boardStatuses) : repoSetting);
  }
  const all = new Map<string, BoardSetting>();
  for (const s of [repoSetting, ...byInitiative.values()]) if (s) all.set(s.key, s);
  return {
    of: (initiativeId) => (initiativeId !== null && byInitiative.has(initiativeId) ? byInitiative.get(initiativeId) : repoSetting),
    all: [...all.values()],
  };
}

function settingOf(board: BoardRef | undefined, statuses: BoardStatusMap | undefined): BoardSetting | undefined {
  return board ? { key: boardKeyOf(board), board, statuses: statuses ?? {} } : undefined;
}
