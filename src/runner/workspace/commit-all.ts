/**
 * Commits everything the agent changed in its worktree, except `.cw/` (its input and output
 * files). `.cw/` is in the mirror's `info/exclude`, so `add --all` leaves it out; the
 * `rm --cached` also takes out what an agent force-added, committed itself, or un-excluded.
 * (An exclude pathspec is no help: git fails `add` when one names an ignored folder.)
 */
import path from "node:path";
import { identityEnv, NO_SIGNING } from "./identity.js";
import { gitText, runGit } from "./run-git.js";
import { scrubWorktree } from "./scrub-worktree.js";
import type { CommitResult, GitAuthor } from "./types.js";

export interface CommitAllInput {
  path: string;
  message: string;
  author: GitAuthor;
}

export async function commitAll(input: CommitAllInput): Promise<CommitResult> {
  const cwd = path.resolve(input.path);
  await stageAll(cwd);
  // Index against HEAD only: no second scan of the working tree.
  const staged = await runGit({ cwd, args: ["diff", "--cached", "--quiet", "--no-ext-diff"], allowExitCodes: [1] });
  const committed = staged.exitCode === 1;
  if (committed) {
    await runGit({
      cwd,
      env: identityEnv(input.author),
      input: input.message,
      // whitespace, not the default strip: a line starting with "#12" is an issue reference, not a comment.
      args: [...NO_SIGNING, "commit", "--quiet", "--no-verify", "--cleanup=whitespace", "--file=-"],
    });
  }
  const sha = await gitText({ cwd, args: ["rev-parse", "--verify", "HEAD"] });
  return { sha, committed };
}

/** Stages every change in the worktree but `.cw/` (and what `scrubWorktree` removes first). */
export async function stageAll(cwd: string): Promise<void> {
  await scrubWorktree(cwd);
  await runGit({ cwd, args: ["add", "--all"] });
  await runGit({ cwd, args: ["rm", "-r", "--cached", "--quiet", "--ignore-unmatch", "--", ":(top).cw"] });
}
