/**
 * Which git directory each worktree belongs to. A worktree is the agent's: it can replace the
 * `.git` file that points git at the repository, or plant a `.git` folder of its own whose
 * config runs commands (`core.fsmonitor`, filters, hooks). So the runner never lets git find the
 * repository from a worktree: `run-git.ts` gives every command its git directory explicitly
 * (GIT_DIR and GIT_WORK_TREE), taken from here, where it was recorded when the worktree was made
 * and nothing of the agent had run yet.
 */
import path from "node:path";

export interface RegisteredWorktree {
  /** The bare mirror the worktree was added from. */
  mirror: string;
  /** The worktree's own git directory: `<mirror>/worktrees/<id>`. */
  gitDir: string;
}

const registry = new Map<string, RegisteredWorktree>();

export function registerWorktree(worktree: string, entry: RegisteredWorktree): void {
  registry.set(path.resolve(worktree), entry);
}

export function unregisterWorktree(worktree: string): RegisteredWorktree | undefined {
  const key = path.resolve(worktree);
  const entry = registry.get(key);
  registry.delete(key);
  return entry;
}

export function registeredWorktree(worktree: string): RegisteredWorktree | undefined {
  return registry.get(path.resolve(worktree));
}
