/**
 * Before the runner's git reads a worktree an agent wrote: every `.git` in it goes (a folder
 * there is a repository of the agent's, whose config git would run when it recursed into it as
 * a submodule; the runner's own `.git` file was deleted when the worktree was made), and so does
 * anything that is not a file, a folder or a link (a FIFO would hang `git add`). Links are
 * removed or kept as links, never followed.
 */
import { lstat, readdir, rm } from "node:fs/promises";
import path from "node:path";

export interface ScrubResult {
  /** Relative paths removed. */
  removed: string[];
}

export async function scrubWorktree(root: string): Promise<ScrubResult> {
  const removed: string[] = [];
  const pending: string[] = [path.resolve(root)];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      if (rel === ".cw") continue; // the protocol's own folder: never committed, read with care
      const info = await lstat(full).catch(() => undefined);
      if (!info) continue;
      if (name === ".git" || !(info.isFile() || info.isDirectory() || info.isSymbolicLink())) {
        await rm(full, { recursive: true, force: true });
        removed.push(rel);
      } else if (info.isDirectory()) {
        pending.push(full);
      }
    }
  }
  return { removed };
}
