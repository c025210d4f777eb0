/**
 * How an agent is contained (DESIGN §3 "Containment"; docs/architecture.md "Agent containment").
 * An agent is untrusted code. It runs as an OS user of its own (`agent-users.ts`), and nothing of
 * the host that belongs to the runner is open to that user: the runner's environment and memory
 * (another user's /proc entries), the database and the account store (0700 directories of the
 * runner's user), the mirrors (0700), other agents' worktrees and homes (0700, other owners).
 *
 * The modes, chosen at boot (`containment.ts`):
 * - `namespaces` (the runner is root): `setpriv` drops to the agent's uid with no capabilities and
 *   no way to gain any (`--no-new-privs`), inside `unshare`'s own PID and mount namespaces. The
 *   agent sees only its own processes; the database's Unix socket directory is hidden;
 *   /etc/passwd names it (CLIs ask for the user's name). (/tmp stays the host's, sticky: the work
 *   directory may be under it; TMPDIR points into the agent's HOME.) When the runner
 *   dies, the parent-death signals bring the whole namespace down with it.
 * - `setpriv` (root, where namespaces are not allowed, e.g. a container without CAP_SYS_ADMIN):
 *   the same drop to the agent's uid, without the namespaces.
 * - `sudo` (the runner is not root, e.g. the Docker image's `node`): `sudo -n -u <agent user>`, as
 *   the image's sudoers file allows. sudo resets the environment, so the agent's environment is
 *   handed over on stdin and loaded by a small shell before the agent starts.
 * - `unsafe` (`CW_UNSAFE_AGENTS=1`): the agent runs as the runner's own user. Logged loudly.
 */
import { execa } from "execa";
import type { AgentUser } from "./agent-users.js";

export type ContainmentMode = "namespaces" | "setpriv" | "sudo" | "unsafe";

export interface SandboxPaths {
  /** /etc/passwd and /etc/group as the agent sees them: the host's plus the agent users. */
  passwdFile: string;
  groupFile: string;
}

export interface SandboxedCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  /** Written to the process's stdin (the `sudo` mode's environment). */
  input?: string;
}

/** Directories whose Unix sockets an agent must not reach (the database's). */
const HIDDEN_SOCKET_DIRS = ["/var/run/postgresql", "/run/postgresql"];

/**
 * Runs as root inside the new namespaces, then becomes the agent. Arguments: passwd, group, uid,
 * gid, then the agent's command line.
 */
const NAMESPACE_INIT = [
  "set -e",
  "passwd=$1; group=$2; uid=$3; gid=$4; shift 4",
  'mount --bind "$passwd" /etc/passwd',
  'mount --bind "$group" /etc/group',
  // Once per folder: where /var/run links to /run (Debian), both names are one folder, hidden once.
  "hidden=",
  `for d in ${HIDDEN_SOCKET_DIRS.join(" ")}; do if [ -d "$d" ] && [ ! -L "$d" ] && ! { [ -n "$hidden" ] && [ "$d" -ef "$hidden" ]; }; then mount -t tmpfs -o size=16k,mode=0755 tmpfs "$d"; hidden=$d; fi; done`,
  'exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all --pdeathsig=KILL -- "$@"',
].join("\n");

/** setpriv's arguments that make a process the agent user, with no capabilities and no way to gain any. */
function dropTo(user: AgentUser): string[] {
  return [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all"];
}

/**
 * Runs as the agent user under sudo: drops what sudo set (SUDO_COMMAND, MAIL, TERM, SHELL as the
 * agent user's passwd entry has it — `/usr/sbin/nologin` in the image — and the like), loads the
 * agent's environment from stdin (sudo resets the environment; a command line is readable by
 * every user of the host, an environment only by its own), then becomes the agent. The agent's
 * environment is thus the one the runner built and nothing else, as in the other modes.
 */
const SUDO_INIT = [
  // Every exported name (a multi-line value could add a name: it is only unset, before ours are set).
  "unset $(env | sed -n 's/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p')",
  "set -a",
  // PATH is gone until the agent's is loaded: cat by its path.
  'eval "$(/bin/cat)"',
  "set +a",
  'exec "$@"',
].join("\n");

/** `'…'` for sh, whatever the value holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface WrapOptions {
  mode: ContainmentMode;
  user: AgentUser | undefined;
  paths: SandboxPaths | undefined;
  file: string;
  args: readonly string[];
  env: Record<string, string>;
}

/** The command line that runs `file args` as the agent user, contained as the mode says. */
export function sandboxCommand(o: WrapOptions): SandboxedCommand {
  if (o.mode === "unsafe" || !o.user) return { file: o.file, args: [...o.args], env: o.env };
  const { user } = o;
  if (o.mode === "setpriv") {
    return { file: "setpriv", args: [...dropTo(user), "--pdeathsig=KILL", "--", o.file, ...o.args], env: o.env };
  }
  if (o.mode === "namespaces") {
    if (!o.paths) throw new Error("the namespaces sandbox needs its passwd and group files");
    return {
      file: "setpriv",
      args: [
        "--pdeathsig=KILL",
        "--",
        "unshare",
        "--mount",
        "--pid",
        "--fork",
        "--kill-child=KILL",
        "--mount-proc",
        "--propagation=private",
        "--",
        "/bin/sh",
        "-c",
        NAMESPACE_INIT,
        "cw-sandbox",
        o.paths.passwdFile,
        o.paths.groupFile,
        String(user.uid),
        String(user.gid),
        o.file,
        ...o.args,
      ],
      env: o.env,
    };
  }
  const input = Object.entries(o.env)
    .filter(([name]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    .map(([name, value]) => `${name}=${shellQuote(value)}`)
    .join("\n");
  return {
    file: "sudo",
    args: ["-n", "-u", user.name, "--", "/bin/sh", "-c", SUDO_INIT, "cw-sandbox", o.file, ...o.args],
    // sudo needs a PATH to find itself; everything else reaches the agent through stdin.
    env: { PATH: o.env.PATH ?? "/usr/local/bin:/usr/bin:/bin" },
    input: `${input}\n`,
  };
}

/**
 * Runs a short helper command as the agent user, without the namespaces (a `chmod` of its own
 * files, a kill of its leftover processes). Throws with stderr when it fails.
 */
export async function runAsAgent(mode: ContainmentMode, user: AgentUser, file: string, args: readonly string[]): Promise<void> {
  const argv =
    mode === "namespaces" || mode === "setpriv"
      ? ["setpriv", [...dropTo(user), "--", file, ...args]]
      : mode === "sudo"
        ? ["sudo", ["-n", "-u", user.name, "--", file, ...args]]
        : [file, [...args]];
  const [command, commandArgs] = argv as [string, string[]];
  const result = await execa(command, commandArgs, {
    reject: false,
    stdin: "ignore",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" },
    extendEnv: false,
  });
  if (result.exitCode !== 0) throw new Error(`${file} as ${user.name} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
}
