/**
 * A push the remote refuses for good: pushing again, or running the agent again, cannot change
 * the answer, so the task fails at once with GitHub's reason and what to do about it.
 *   - a GitHub App without the Workflows permission may not create or change a file under
 *     `.github/workflows/`;
 *   - GH001: a file over GitHub's 100 MB limit;
 *   - GH006: a protected branch;
 *   - GH013: a repository rule (push protection finding a secret, a restricted path …);
 *   - any other pre-receive hook that declined.
 * Moved branches ("fetch first", non-fast-forward) are not refusals: `push-ref.ts` answers them.
 */
export class PushRefusedError extends Error {
  override readonly name = "PushRefusedError";
  constructor(
    /** GitHub's own words (the remote's lines), secrets scrubbed. */
    readonly reason: string,
    /** What a person can do about it. */
    readonly advice: string,
  ) {
    super(`the remote refused the push: ${reason}. ${advice}`);
  }
}

interface Rule {
  test: RegExp;
  advice(match: RegExpExecArray): string;
}

const RULES: Rule[] = [
  {
    test: /refusing to allow a GitHub App to create or update workflow `([^`]+)` without `workflows` permission/,
    advice: (m) => `The app needs the Workflows permission (Repository permissions → Workflows: read & write) to push \`${m[1]}\`, or the change must leave that file alone.`,
  },
  {
    test: /GH001: Large files detected|File (\S+) is [\d.]+ ?MB; this exceeds GitHub's file size limit/,
    advice: (m) => `${m[1] ? `\`${m[1]}\` is` : "A file is"} larger than GitHub allows (100 MB): remove it from the branch, or track it with Git LFS.`,
  },
  {
    test: /GH006: Protected branch update failed|protected branch hook declined/,
    advice: () => "The branch is protected against this push: change its protection rules, or let the app push to another branch.",
  },
  {
    test: /GH013: Repository rule violations found|push declined due to repository rule violations/,
    advice: () => "A repository rule (push protection, a restricted path or file) refused the push: see the reasons above, change what the agent left, then `/cw retry`.",
  },
  {
    test: /\[remote rejected\] [^\n]*\(pre-receive hook declined\)/,
    advice: () => "A server-side hook declined the push: see its message above.",
  },
];

/** The refusal in a failed push's output, if it is one; `remoteLines` are stderr's `remote:` lines and the porcelain line. */
export function pushRefusal(output: string, scrub: (text: string) => string): PushRefusedError | undefined {
  for (const rule of RULES) {
    const match = rule.test.exec(output);
    if (!match) continue;
    const said = output
      .split("\n")
      .map((line) => line.replace(/^remote:\s?/, "").trim())
      .filter((line) => line.length > 0 && !/^(To |hint:|Done$)/.test(line))
      .slice(0, 12)
      .join(" / ");
    return new PushRefusedError(scrub(said || match[0]), rule.advice(match));
  }
  return undefined;
}
