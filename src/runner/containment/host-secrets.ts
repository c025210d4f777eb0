/**
 * The app's secrets on disk, as agents' users would see them. The setup flow writes `.env`
 * (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET) with the default umask, world-readable, and a key file
 * downloaded from GitHub usually is too: any other user of the host — an agent — could read it.
 * At boot, a secret file the runner owns is made 0600; one it does not own is reported. And a
 * database that let the app in without a password lets agents in the same way: that is said too,
 * with what to do.
 */
import { chmod, stat } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../../logger.js";

export interface HostSecretsCheck {
  /** Files holding the app's secrets: `.env`, PRIVATE_KEY_PATH. */
  files: string[];
  databaseUrl: string | undefined;
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
  if (check.databaseUrl) {
    try {
      if (!new URL(check.databaseUrl).password) {
        said.push(
          "DATABASE_URL has no password: if PostgreSQL lets the app in without one (trust), it lets agents on this host in the same way. Give the app's role a password and require it (pg_hba.conf: scram-sha-256)",
        );
      }
    } catch {
      // config.ts validated it
    }
  }
  for (const line of said) log.warn(line);
  return said;
}
