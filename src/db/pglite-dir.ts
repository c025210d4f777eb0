/**
 * Where PGlite keeps its database: `<CW_DATA_DIR>/pglite`, 0700. The data directory itself must
 * stay passable by agents' users (the work directory with their worktrees is under it by
 * default), so the database lives one level down, where no agent can read a file of it.
 *
 * Earlier versions kept PGlite's files in the data directory itself; the first start of this one
 * moves them down (a rename each, same file system), leaving the work directory where it is.
 */
import { chmod, mkdir, readdir, rename, stat } from "node:fs/promises";
import path from "node:path";

export async function preparePgliteDir(dataDir: string, pgliteDir: string, keep: readonly string[]): Promise<void> {
  const hasOwn = await stat(path.join(pgliteDir, "PG_VERSION")).then(
    () => true,
    () => false,
  );
  const hasOld = await stat(path.join(dataDir, "PG_VERSION")).then(
    () => true,
    () => false,
  );
  await mkdir(pgliteDir, { recursive: true, mode: 0o700 });
  await chmod(pgliteDir, 0o700);
  if (hasOwn || !hasOld) return;
  const leave = new Set([
    path.basename(pgliteDir),
    ...keep.filter((k) => path.dirname(path.resolve(k)) === path.resolve(dataDir)).map((k) => path.basename(k)),
  ]);
  for (const entry of await readdir(dataDir)) {
    if (!leave.has(entry)) await rename(path.join(dataDir, entry), path.join(pgliteDir, entry));
  }
}
