/**
 * Merges computed in the mirror, with no worktree: `git merge-tree --write-tree` (the same
 * merge machinery as `git merge`) gives the merged tree or the conflicted paths, and
 * `commit-tree` records a merge commit with the parents the caller names.
 */
import { identityEnv, NO_SIGNING } from "./identity.js";
import { gitText, runGit } from "./run-git.js";
import type { GitAuthor } from "./types.js";

export type TreeMerge = { status: "clean"; tree: string } | { status: "conflict"; files: string[] };

/** The tree of merging `theirs` into `ours`, or the paths that conflict. */
export async function mergeTrees(mirror: string, ours: string, theirs: string): Promise<TreeMerge> {
  // Exit 1 is a conflict; output (-z): the tree, then each conflicted path once.
  const merge = await runGit({
    cwd: mirror,
    args: ["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", ours, theirs],
    allowExitCodes: [1],
  });
  const [tree, ...conflicted] = merge.stdout.split("\0").filter((part) => part !== "");
  if (merge.exitCode === 1) return { status: "conflict", files: [...new Set(conflicted)] };
  if (!tree) throw new Error(`git merge-tree printed no tree for ${ours} ${theirs}`);
  return { status: "clean", tree };
}

/** A commit of `tree` with `parents` (first parent: the branch merged into); returns its sha. */
export async function commitMerge(cwd: string, tree: string, parents: readonly string[], message: string, author: GitAuthor): Promise<string> {
  return gitText({
    cwd,
    env: identityEnv(author),
    input: message.endsWith("\n") ? message : `${message}\n`,
    args: [...NO_SIGNING, "commit-tree", tree, ...parents.flatMap((p) => ["-p", p]), "-F", "-"],
  });
}

/** True when `commit` is already in `branchTip`'s history (nothing left to merge). */
export async function isAncestor(cwd: string, commit: string, branchTip: string): Promise<boolean> {
  const contained = await runGit({ cwd, args: ["merge-base", "--is-ancestor", commit, branchTip], allowExitCodes: [1] });
  return contained.exitCode === 0;
}
