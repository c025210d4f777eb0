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
    /** GitHub's own words: the remote's lines and the ref's status, secrets scrubbed. */
    readonly said: readonly string[],
    /** What a person can do about it. */
    readonly advice: string,
  ) {
    super(`the remote refused the push: ${said.join(" / ")}. ${advice}`);
  }
}

interface Rule {
  test: RegExp;
  advice(output: string): string;
}

/** GH001's line for each file over the limit (a name may hold spaces). */
const LARGE_FILE = /File (.+?) is [\d.]+ ?MB; this exceeds GitHub's file size limit/g;

/** A file name the remote quoted, as inline code: it is the agent's choice, so no backtick may end the span. */
const code = (name: string): string => `\`${name.replaceAll("`", "'")}\``;

const RULES: Rule[] = [
  {
    test: /refusing to allow a GitHub App to create or update workflow `([^`]+)` without `workflows` permission/,
    advice: (output) => {
      const files = [...new Set([...output.matchAll(/create or update workflow `([^`]+)`/g)].map((m) => m[1]!))];
      return `The app needs the Workflows permission (Repository permissions → Workflows: read & write) to push ${files.map(code).join(", ")}, or the change must leave ${files.length === 1 ? "that file" : "those files"} alone.`;
    },
  },
  {
    test: /GH001: Large files detected|this exceeds GitHub's file size limit/,
    advice: (output) => {
      const files = [...new Set([...output.matchAll(LARGE_FILE)].map((m) => m[1]!.trim()))];
      const which = files.length === 0 ? "A file is" : files.length === 1 ? `${code(files[0]!)} is` : `${files.map(code).join(", ")} are`;
      return `${which} larger than GitHub allows (100 MB): remove ${files.length > 1 ? "them" : "it"} from the branch, or track ${files.length > 1 ? "them" : "it"} with Git LFS.`;
    },
  },
  {
    test: /GH006: Protected branch update failed|protected branch hook declined/,
    advice: () => "The branch is protected against this push: change its protection rules, or let the app push to another branch.",
  },
  {
    test: /GH013: Repository rule violations found|push declined due to repository rule violations/,
    advice: () =>
      "A repository rule (push protection, a restricted path or file) refused the push: see the reasons above, change what the agent left, then `/cw retry`.",
  },
  {
    test: /\[remote rejected\] [^\n]*\(pre-receive hook declined\)/,
    advice: () => "A server-side hook declined the push: see its message above.",
  },
];

/** git's own lines around the remote's answer: not GitHub's reason. */
const NOT_SAID = /^(To |hint:|Done$|error: failed to push some refs|Resolving deltas:)/;

/**
 * The refusal in a failed push's output, if it is one. `output`: stderr (the `remote:` lines)
 * and the ref's porcelain status line (`!\t<from>:<to>\t[remote rejected] (<reason>)`).
 */
export function pushRefusal(output: string, scrub: (text: string) => string): PushRefusedError | undefined {
  const rule = RULES.find((r) => r.test.test(output));
  if (!rule) return undefined;
  const said = output
    .split("\n")
    // The porcelain status line: only its summary is the remote's. git pads the remote's lines
    // with spaces (to clear its progress line): trimmed.
    .map((line) =>
      line
        .replace(/^[!=*+ -]\t[^\t]*\t/, "")
        .replace(/^remote:\s?/, "")
        .trim(),
    )
    .filter((line) => line.length > 0 && !NOT_SAID.test(line))
    .slice(0, 12)
    .map(scrub);
  return new PushRefusedError(said, scrub(rule.advice(output)));
}
