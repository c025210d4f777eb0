/**
 * The runner's journal of finishes it has not recorded yet: `<CW_WORKDIR>/finishes/<agent id>.json`,
 * one file per run, written (to a temporary file, then renamed: never half a record) before the
 * first `finishRun` and removed once it returned. A file still there at the runner's next start
 * is a run whose process died before the database recorded it (`replay-finishes.ts`).
 *
 * The folder is the runner's alone (0700, files 0600): agents run as other users and cannot list
 * or read it. What is in it is what the database would hold: agent text already redacted, no
 * token or key.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { encodeFinish } from "../core/finish-record.js";
import type { FinishInput } from "../core/commands/finish-run.js";

export const FINISHES_DIR = "finishes";
const SUFFIX = ".json";
/** A file that could not be read back keeps this suffix, out of the replay's way, for a person to look at. */
const SET_ASIDE = ".unreadable";

export interface JournaledFinish {
  /** The agent id the file is named after. */
  agentId: string;
  file: string;
}

export class FinishJournal {
  readonly dir: string;

  constructor(workDir: string) {
    this.dir = path.join(workDir, FINISHES_DIR);
  }

  async write(input: FinishInput): Promise<void> {
    await this.#ensureDir();
    const file = this.#fileOf(input.agentId);
    const temp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await writeFile(temp, encodeFinish(input), { mode: 0o600, flag: "wx" });
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async remove(agentId: string): Promise<void> {
    await rm(this.#fileOf(agentId), { force: true });
  }

  /** The finishes journaled and not removed, oldest name first (temporary files of a write cut short are dropped). */
  async list(): Promise<JournaledFinish[]> {
    const names = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [] as string[];
      throw error;
    });
    for (const name of names.filter((n) => n.endsWith(".tmp"))) await rm(path.join(this.dir, name), { force: true });
    return names
      .filter((n) => n.endsWith(SUFFIX))
      .sort()
      .map((name) => ({ agentId: name.slice(0, -SUFFIX.length), file: path.join(this.dir, name) }));
  }

  read(entry: JournaledFinish): Promise<string> {
    return readFile(entry.file, "utf8");
  }

  /** Moves a file that is not a finish out of the way; returns where it went. */
  async setAside(entry: JournaledFinish): Promise<string> {
    const to = `${entry.file}${SET_ASIDE}`;
    await rename(entry.file, to);
    return to;
  }

  async #ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
  }

  #fileOf(agentId: string): string {
    // Agent ids are the database's uuids; anything else must not name a path outside the folder.
    if (!/^[A-Za-z0-9_-]+$/.test(agentId)) throw new Error(`not an agent id: ${JSON.stringify(agentId)}`);
    return path.join(this.dir, `${agentId}${SUFFIX}`);
  }
}
