/**
 * Scratch folders for tests that run agents. Agents run as OS users of their own (the runner's
 * containment), and one run's user is not the next one's: a test's scratch folder holds the
 * runner's work directory (which guards itself) and the files a test and its fake agents pass
 * each other (a log of inputs, a barrier file, a pid), so it is open to every user, and the fake
 * agent writes with umask 0 so that a later run, another user, may replace what it left.
 */
import { chmodSync, mkdirSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** A new folder under the system's temporary folder that agent users may use. */
export function agentScratch(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o777);
  return dir;
}

/** A folder inside a scratch folder that agents write into (and the test reads from), made if missing. */
export function dropBox(dir: string): string {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  return dir;
}
