/**
 * One agent's stay on the host, from its user being handed out to its user being given back:
 *   1. `openAgentSession`: a user from the pool, and the agent's HOME (`homes/<key>`, stable per
 *      task and account so a CLI finds its sessions again), with a private TMPDIR inside;
 *   2. the caller writes what the agent needs (input files, account credentials) while the
 *      runner still owns everything;
 *   3. `handOver`: the worktree and the home become the agent user's (0700 directories of a user
 *      no other agent is);
 *   4. the agent runs through `sandbox` (`agent-sandbox.ts`);
 *   5. `close`: every process of the user is killed, the files become the runner's again, and
 *      only then is the user free for another agent. A user still running something is never
 *      handed out again.
 * The runner reads what the agent left only between 5 and the removal of the worktree, with
 * `safe-files.ts`: nothing of the agent runs any more, but its links are still there.
 */
import { execa } from "execa";
import { randomUUID } from "node:crypto";
import { chmod, lstat, mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { runAsAgent, sandboxCommand, type SandboxedCommand } from "./agent-sandbox.js";
import type { AgentUser } from "./agent-users.js";
import type { Containment } from "./containment.js";
import { reapAgentProcesses } from "./reap-agent-processes.js";
import { realDirectory } from "./safe-files.js";

/** What spawnAgent needs to run one process contained, and to clean up after it. */
export interface AgentProcessSandbox {
  wrap(file: string, args: readonly string[], env: Record<string, string>): SandboxedCommand;
  /** After the agent's process ended: kills whatever its user still runs. */
  reap(): Promise<void>;
  /** Whether the agent may make user namespaces, as its CLI's own sandbox needs (`Containment.userNamespaces`). */
  userNamespaces: boolean;
}

export interface AgentSession {
  user: AgentUser | undefined;
  /** The agent's HOME. */
  home: string;
  /** Variables the session sets: HOME, TMPDIR, USER, LOGNAME. */
  env: Record<string, string>;
  sandbox: AgentProcessSandbox;
  /** Makes these directories (and the home) the agent's. Call once everything is written. */
  handOver(dirs: readonly string[]): Promise<void>;
  /** Ends the stay: processes killed, files taken back, user freed. Safe to call twice. */
  close(): Promise<void>;
}

/** A home key: the task, and the account (`host` for the runner's own login). */
export function homeKey(taskId: string, accountId: string | null): string {
  const key = `${taskId}--${accountId ?? "host"}`;
  if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw new Error(`invalid home key ${JSON.stringify(key)}`);
  return key;
}

async function chownTree(owner: string, dirs: readonly string[]): Promise<void> {
  if (dirs.length === 0) return;
  // -R without -L or -H changes links themselves and never follows them.
  const result = await execa("chown", ["-R", "-P", owner, "--", ...dirs], { reject: false, stdin: "ignore" });
  if (result.exitCode !== 0) throw new Error(`chown ${owner} failed: ${result.stderr.trim()}`);
}

/** sudo mode: the runner cannot chown; it shares each agent's private group instead. */
async function shareWithGroup(user: AgentUser, dirs: readonly string[]): Promise<void> {
  if (dirs.length === 0) return;
  for (const [file, args] of [
    ["chgrp", ["-R", "-P", String(user.gid), "--", ...dirs]],
    ["chmod", ["-R", "u+rwX,g+rwX,o-rwx", "--", ...dirs]],
    ["find", [...dirs, "-type", "d", "-exec", "chmod", "g+s", "{}", "+"]],
  ] as const) {
    const result = await execa(file, [...args], { reject: false, stdin: "ignore" });
    if (result.exitCode !== 0) throw new Error(`${file} failed: ${result.stderr.trim()}`);
  }
}

/**
 * sudo mode, run as the agent user once nothing of it runs any more: every file it owns opened to
 * its group (which the runner is in), so the runner can copy it. Links are never passed to chmod
 * (it would follow them, and fail on whatever they point at). A directory the agent closed even
 * to itself is opened first, on its own (`-exec … \;` runs before find goes into it); a sticky
 * bit would keep the runner from removing the agent's files, so it goes too.
 */
export const OPEN_TO_GROUP = [
  "uid=$(id -u)",
  'find "$@" -user "$uid" -type d ! -perm -u=rwx -exec chmod u+rwx {} \\;',
  'find "$@" -user "$uid" ! -type l -exec chmod u+rwX,g+rwX,-t {} +',
].join(" && ");

/**
 * sudo mode: the runner cannot chown, so it takes back what the agent made by copying it. Every
 * entry below `dir` that the runner does not own is replaced by a copy the runner makes (links
 * as links, modes kept): afterwards the whole tree is the runner's, as a chown back would leave
 * it, and can be handed to another agent user (a HOME outlives its run; a worktree may be run in
 * twice). Entries the runner owns are left as they are; only the agent's are copied.
 */
export async function reownTree(dir: string, runnerUid: number): Promise<void> {
  for (const name of await readdir(dir)) {
    const entry = path.join(dir, name);
    const info = await lstat(entry);
    if (info.uid !== runnerUid) await replaceWithCopy(dir, entry);
    else if (info.isDirectory()) await reownTree(entry, runnerUid);
  }
}

async function replaceWithCopy(dir: string, entry: string): Promise<void> {
  const copy = path.join(dir, `.cw-taking-back-${randomUUID()}`);
  for (const [file, args] of [
    // -P: a link is copied as a link, never followed; no ownership: the copy is the runner's.
    ["cp", ["-R", "-P", "--preserve=mode,timestamps,links", "--", entry, copy]],
    ["rm", ["-rf", "--", entry]],
    ["mv", ["-T", "--", copy, entry]],
  ] as const) {
    const result = await execa(file, [...args], { reject: false, stdin: "ignore" });
    if (result.exitCode !== 0) throw new Error(`${file} failed while taking back ${entry}: ${result.stderr.trim()}`);
  }
}

/**
 * sudo mode, run as the agent user when its HOME is handed over: every entry of the home it does
 * not own (what an earlier run left, which the runner took back) is replaced by its own copy, so
 * that the home is wholly the agent's, as a chown would leave it in the other modes. CLIs set
 * modes on what they keep there (codex chmods its `tmp/arg0` helpers and state; a file the runner
 * owns refuses it with EPERM, and a resumed codex could not start). The copy runs as the agent,
 * with nothing of the runner's rights; links are copied as links, never followed. Homes are
 * small (sessions, credentials); worktrees are not copied: an agent may rewrite their files
 * through its group, and owns every file it makes.
 */
export const CLAIM_HOME = [
  "uid=$(id -u)",
  "claim() {",
  '  for entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do',
  '    [ -e "$entry" ] || [ -L "$entry" ] || continue',
  '    if [ "$(stat -c %u -- "$entry")" != "$uid" ]; then',
  '      copy="$1/.cw-claiming-$$"',
  '      cp -R -P --preserve=mode,timestamps,links -- "$entry" "$copy" && rm -rf -- "$entry" && mv -T -- "$copy" "$entry" || return 1',
  '    elif [ -d "$entry" ] && [ ! -L "$entry" ]; then',
  '      claim "$entry" || return 1',
  "    fi",
  "  done",
  "}",
  'claim "$1"',
].join("\n");

/**
 * sudo mode's take-back: the agent opens its files to the group, the top folders (the runner's
 * own) are closed, so that the next agent given this user cannot reach this one's files through
 * the group, and the runner copies the agent's files into its ownership.
 */
async function takeBackWithoutChown(user: AgentUser, dirs: readonly string[], runnerUid: number): Promise<void> {
  try {
    await runAsAgent("sudo", user, "/bin/sh", ["-c", OPEN_TO_GROUP, "cw-take-back", ...dirs]);
  } finally {
    for (const dir of dirs) await chmod(dir, 0o700);
  }
  for (const dir of dirs) await reownTree(dir, runnerUid);
}

export async function openAgentSession(containment: Containment, key: string): Promise<AgentSession> {
  const { mode, pool } = containment;
  const user = pool ? await pool.acquire() : undefined;
  const home = await realDirectory(path.join(containment.workDir, "homes"), key);
  const tmp = await realDirectory(home, ".tmp");
  await chmod(home, 0o700);
  await mkdir(tmp, { recursive: true });
  let handedOver: string[] = [];
  let closed = false;
  const env: Record<string, string> = {
    HOME: home,
    TMPDIR: tmp,
    USER: user?.name ?? process.env.USER ?? "codewalkers",
    LOGNAME: user?.name ?? process.env.LOGNAME ?? "codewalkers",
  };

  const reap = async (): Promise<void> => {
    if (!user) return;
    const left = await reapAgentProcesses(mode, user);
    if (left.length > 0) throw new Error(`agent user ${user.name} still runs ${left.join(", ")} after being killed`);
  };

  return {
    user,
    home,
    env,
    sandbox: {
      wrap: (file, args, agentEnv) => sandboxCommand({ mode, user, paths: containment.paths, file, args, env: agentEnv }),
      reap,
      userNamespaces: containment.userNamespaces,
    },
    async handOver(dirs) {
      if (!user) return;
      handedOver = [...new Set([home, ...dirs.map((d) => path.resolve(d))])];
      if (mode === "sudo") {
        await shareWithGroup(user, handedOver);
        await runAsAgent("sudo", user, "/bin/sh", ["-c", CLAIM_HOME, "cw-claim-home", home]);
      } else await chownTree(`${user.uid}:${user.gid}`, handedOver);
      // git made the worktree 0755: closed at its top, nothing inside is reachable by another user.
      for (const dir of handedOver) await chmod(dir, mode === "sudo" ? 0o2770 : 0o700);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!user || !pool) return;
      // A user whose processes survive is not handed out again: better one slot fewer than an
      // agent sharing a user with another's leftovers.
      await reap();
      if (handedOver.length > 0) {
        if (mode === "sudo") await takeBackWithoutChown(user, handedOver, containment.runnerUid);
        else await chownTree(`${containment.runnerUid}:${containment.runnerGid}`, handedOver);
      }
      pool.release(user);
    },
  };
}
