import type { GitAuthor } from "./types.js";

/** Author and committer for one command, by environment: nothing is written to git config. */
export function identityEnv(author: GitAuthor): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
  };
}

/** Signing would need a key the runner does not have; an operator's global setting must not break commits. */
export const NO_SIGNING = ["-c", "commit.gpgSign=false"];
