/**
 * PGlite belongs to one process, and does not say so itself: its `postmaster.pid` holds a fixed
 * `-42`, so a second process (a `codewalkers runner` or `accounts add` without DATABASE_URL, next
 * to a running `start`) would open the same files and both would write them. A lock file of our
 * own, `cw.lock` in the data directory, names the process that holds it: a live holder refuses
 * the open with what to do; a dead one's lock (a kill -9, a crash) is taken over.
 */
import { open, readFile, unlink } from "node:fs/promises";
import path from "node:path";

export class PgliteInUseError extends Error {
  override readonly name = "PgliteInUseError";
}

const LOCK_FILE = "cw.lock";

/** Takes the directory's lock for this process; resolves to its release. */
export async function lockPgliteDir(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, "wx", 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await unlink(file).catch(() => {});
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number.parseInt((await readFile(file, "utf8").catch(() => "")).trim(), 10);
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw new PgliteInUseError(
        `the PGlite database in ${dataDir} is in use by process ${holder}${holder === process.pid ? " (this one)" : ""}: PGlite belongs to one process. ` +
          `Stop that process first, or use PostgreSQL (DATABASE_URL) to run several. If no such process uses it, remove ${file}`,
      );
    }
    // Its holder is gone: take the lock over (of two processes doing this at once, one wins the `wx`).
    await unlink(file).catch(() => {});
  }
  throw new PgliteInUseError(`the PGlite database in ${dataDir} was locked again while this process took over a dead holder's lock`);
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
