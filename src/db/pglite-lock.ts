/**
 * PGlite belongs to one process, and does not say so itself: its `postmaster.pid` holds a fixed
 * `-42`, so a second process (a `codewalkers runner` or `accounts add` without DATABASE_URL, next
 * to a running `start`) would open the same files and both would write them. A lock file of our
 * own, `cw.lock` in the data directory, names the process that holds it: a live holder refuses
 * the open with what to do; a dead one's lock (a kill -9, a crash) is taken over.
 *
 * Taking over is itself a race (two processes both find the dead pid; one removes it and locks,
 * the other's removal then deletes that new lock), so it happens under a second file,
 * `cw.lock.takeover`, made with O_EXCL: one process at a time re-reads the holder and replaces it.
 * A holder with this process's own pid is dead unless this process took the lock (in a container
 * the app is pid 7 or so at every start, so a lock left by the last start names "us").
 */
import { open, readFile, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export class PgliteInUseError extends Error {
  override readonly name = "PgliteInUseError";
}

const LOCK_FILE = "cw.lock";
/** A takeover lasts milliseconds; a guard older than this was left by a process that died in it. */
const STALE_TAKEOVER_MS = 10_000;

/** Directories this process holds the lock of. */
const held = new Set<string>();

/** Takes the directory's lock for this process; resolves to its release. */
export async function lockPgliteDir(dataDir: string): Promise<() => Promise<void>> {
  const dir = path.resolve(dataDir);
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await create(file)) return release(dir, file);
    const holder = await holderOf(file);
    // Empty: made a moment ago, its pid not written yet (or left so by a crash: then it is old).
    if (holder === undefined && (await ageOf(file)) < 1_000) {
      await sleep(20);
      continue;
    }
    if (holder !== undefined && alive(holder) && (holder !== process.pid || held.has(dir))) {
      throw new PgliteInUseError(
        `the PGlite database in ${dir} is in use by process ${holder}${holder === process.pid ? " (this one)" : ""}: PGlite belongs to one process. ` +
          `Stop that process first, or use PostgreSQL (DATABASE_URL) to run several. If no such process uses it, remove ${file}`,
      );
    }
    if (await takeOver(file, holder)) return release(dir, file);
    await sleep(20);
  }
  throw new PgliteInUseError(`the PGlite database in ${dir} could not be locked: its lock kept changing hands`);
}

/** Replaces a dead holder's lock, one process at a time; false when another is at it (try again). */
async function takeOver(file: string, deadHolder: number | undefined): Promise<boolean> {
  const guard = `${file}.takeover`;
  if (!(await create(guard))) {
    if ((await ageOf(guard)) > STALE_TAKEOVER_MS) await unlink(guard).catch(() => {});
    return false;
  }
  try {
    // Still the same dead holder? (Another process may have taken over just before us.)
    if ((await holderOf(file)) !== deadHolder) return false;
    await unlink(file).catch(() => {});
    return await create(file);
  } finally {
    await unlink(guard).catch(() => {});
  }
}

/** Makes `file` with this process's pid in it, if it does not exist. */
async function create(file: string): Promise<boolean> {
  try {
    const handle = await open(file, "wx", 0o600);
    try {
      await handle.writeFile(`${process.pid}\n`);
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

function release(dir: string, file: string): () => Promise<void> {
  held.add(dir);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    held.delete(dir);
    await unlink(file).catch(() => {});
  };
}

async function ageOf(file: string): Promise<number> {
  return stat(file).then(
    (s) => Date.now() - s.mtimeMs,
    () => 0,
  );
}

async function holderOf(file: string): Promise<number | undefined> {
  const pid = Number.parseInt((await readFile(file, "utf8").catch(() => "")).trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
