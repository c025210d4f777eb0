/**
 * The app's secrets on disk, as agents' users would see them. The setup flow writes `.env`
 * (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET) with the default umask, world-readable, and a key file
 * downloaded from GitHub usually is too: any other user of the host — an agent — could read it.
 * At boot, a secret file the runner owns is made 0600; one it does not own is reported. (Whether
 * agents could log in to the database is asked at boot too, as an agent: `database-reach.ts`.)
 */
import { chmod, stat } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../../logger.js";

export interface HostSecretsCheck {
  /** Files holding the app's secrets: `.env`, PRIVATE_KEY_PATH. */
  files: string[];
  uid: number;
}

/** What was done or found, one line each (also logged). */
export async function protectHostSecrets(check: HostSecretsCheck, log: Pick<Logger, "warn">): Promise<string[]> {
  const said: string[] = [];
  for (const file of check.files) {
    const info = await stat(file).catch(() => undefined);
    if (!info || (info.mode & 0o077) === 0) continue;
    if (info.uid === check.uid) {
      await chmod(file, 0o600);
      said.push(`${path.basename(file)} was readable by other users (agents among them): it is 0600 now`);
    } else {
      said.push(`${file} holds the app's secrets and other users (agents among them) can read it: make it 0600`);
    }
  }
  for (const line of said) log.warn(line);
  return said;
}
