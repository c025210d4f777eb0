/**
 * Pushes one commit to one branch of the remote, never forcing. A rejection because the remote
 * branch moved (or, with `mustNotExist`, exists) is an answer the caller acts on; a refusal for
 * good (`push-refusal.ts`: the workflows permission, a file too large, a protected branch, a
 * rule) is a `PushRefusedError`; anything else (bad credentials, the network) is an error. A push that lands moves
 * the mirror's remote-tracking ref too, so the next step need not fetch to see it.
 */
import { mirrorLock, REMOTE_REFS, remoteCommand, type Remote } from "./mirror.js";
import { pushRefusal } from "./push-refusal.js";
import { gitFailure, runGit, scrubber } from "./run-git.js";

export type PushOutcome = "pushed" | "up-to-date" | "moved";

/**
 * Rejections that mean "the branch is not where we thought": by the client (non-fast-forward,
 * a lease that no longer holds) or by the remote, when another push updated or created the ref
 * between its advertisement and our update (two runners creating one initiative branch).
 */
const MOVED = /\[rejected\] \((non-fast-forward|fetch first|stale info)\)|\[remote rejected\] \((failed to update ref|cannot lock ref\b[^)]*)\)/;

export async function pushRef(remote: Remote, cwd: string, sha: string, branch: string, options: { mustNotExist?: boolean } = {}): Promise<PushOutcome> {
  const ref = `refs/heads/${branch}`;
  const lease = options.mustNotExist ? [`--force-with-lease=${ref}:`] : [];
  const command = remoteCommand(remote, cwd, ["push", "--porcelain", ...lease, remote.url, `${sha}:${ref}`]);
  const output = await runGit({ ...command, allowExitCodes: [1] });
  // Porcelain: "<flag>\t<from>:<to>\t<summary>"; "=" up to date, "!" rejected.
  const line = output.stdout.split("\n").find((l) => l.endsWith(`:${ref}`) || l.includes(`:${ref}\t`));
  const flag = line?.[0];
  if (output.exitCode === 0) {
    // The remote branch is at `sha` now: the mirror knows it without fetching again. Under the
    // mirror's lock, so it never meets a fetch writing the same ref.
    await mirrorLock.run(remote.mirror, () => runGit({ cwd: remote.mirror, args: ["update-ref", REMOTE_REFS + branch, sha] }));
    return flag === "=" ? "up-to-date" : "pushed";
  }
  if (line && flag === "!" && MOVED.test(line)) return "moved";
  const refused = pushRefusal(`${output.stderr}\n${line ?? ""}`, scrubber(command.secrets ?? []));
  if (refused) throw refused;
  throw gitFailure(command, output, line ? line.split("\t").slice(2).join(" ") || undefined : undefined);
}
