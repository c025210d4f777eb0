/**
 * Agent containment on this host, decided once at boot: which mode (`agent-sandbox.ts`), which
 * users (`agent-users.ts`), and the directory modes that keep the runner's files out of an
 * agent's reach. When the host offers no way to contain agents, the runner refuses to start any
 * and says what is missing; `CW_UNSAFE_AGENTS=1` is the explicit, logged way out.
 *
 * The work directory's layout and modes (the runner's user owns everything it makes):
 *   <workDir>/            0711  traversable, not listable
 *     mirrors/            0700  the bare mirrors: never an agent's
 *     worktrees/          0711
 *       <task>/           0700  one agent's worktree, handed to its user for the run
 *     homes/              0711
 *       <task>--<account>/ 0700 one agent's HOME (sessions, credentials), handed over likewise
 *     sandbox/            0755  the passwd and group files agents see
 *     accounts/           0700
 */
import { execa } from "execa";
import { access, chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { constants } from "node:fs";
import path from "node:path";
import type { ContainmentMode, SandboxPaths } from "./agent-sandbox.js";
import { AgentUserPool, DEFAULT_AGENT_USERS, parseAgentUsers, type AgentUser } from "./agent-users.js";
import { databaseEndpoints, databaseRefusal, probeDatabaseReach, type ReachProbe } from "./database-reach.js";
import { runAsAgent } from "./agent-sandbox.js";

export interface ContainmentOptions {
  workDir: string;
  /** `CW_AGENT_USERS`, if set. */
  agentUsers: string | undefined;
  /** `CW_UNSAFE_AGENTS=1`. */
  unsafe: boolean;
  /** `CW_MAX_AGENTS`: the pool must hold at least this many users. */
  maxAgents: number;
  /** Directories agents must not reach at all (the PGlite data directory): made 0700. */
  privateDirs?: string[];
  /** `CW_DATA_DIR`: made 0711 (passable, not listable) when the work directory is inside it. */
  dataDir?: string;
  /** The app's PostgreSQL (DATABASE_URL): agents must not be able to log in to it (`database-reach.ts`). */
  databaseUrl?: string | undefined;
  /** `CW_UNSAFE_DATABASE=1`: start agents even when they could log in to it (said at boot). */
  unsafeDatabase?: boolean;
  uid?: number;
}

export type ContainmentSetup = { ok: true; containment: Containment } | { ok: false; problem: string };

export interface Containment {
  mode: ContainmentMode;
  pool: AgentUserPool | undefined;
  paths: SandboxPaths | undefined;
  workDir: string;
  runnerUid: number;
  runnerGid: number;
  /**
   * Whether an agent can make user namespaces of its own: what an agent CLI's own sandbox needs
   * (codex runs its commands in bubblewrap). Docker's default seccomp profile refuses them, so in
   * the image codex's sandbox is set aside and the agent's user is what confines it.
   */
  userNamespaces: boolean;
  /** One line for the boot log. */
  describe(): string;
  /** What the operator chose to leave open (CW_UNSAFE_DATABASE), for a warning at boot. */
  warning?: string;
}

const LAYOUT: Array<[string, number]> = [
  ["", 0o711],
  ["mirrors", 0o700],
  ["worktrees", 0o711],
  ["homes", 0o711],
  ["sandbox", 0o755],
  ["accounts", 0o700],
];

async function onPath(command: string): Promise<boolean> {
  const result = await execa("sh", ["-c", `command -v ${command}`], { reject: false, stdin: "ignore" });
  return result.exitCode === 0;
}

async function commandWorks(file: string, args: string[]): Promise<string | null> {
  const result = await execa(file, args, { reject: false, stdin: "ignore", timeout: 10_000 });
  return result.exitCode === 0 ? null : (result.stderr || result.shortMessage || `exit ${result.exitCode}`).trim();
}

/** Every ancestor of `dir` must let other users pass (x), or an agent cannot reach its worktree. */
async function firstClosedAncestor(dir: string): Promise<string | null> {
  let current = path.dirname(path.resolve(dir));
  for (;;) {
    const info = await stat(current).catch(() => undefined);
    if (info && (info.mode & 0o001) === 0) return current;
    const parent = path.dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

async function prepareLayout(workDir: string, privateDirs: string[], dataDir?: string): Promise<void> {
  if (dataDir && path.resolve(workDir).startsWith(`${path.resolve(dataDir)}${path.sep}`)) {
    await mkdir(dataDir, { recursive: true, mode: 0o711 });
    await chmod(dataDir, 0o711);
  }
  for (const [rel, mode] of LAYOUT) {
    const dir = path.join(workDir, rel);
    await mkdir(dir, { recursive: true, mode });
    await chmod(dir, mode);
  }
  for (const dir of privateDirs) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
}

/** The host's passwd and group, plus one entry per agent user (CLIs look their user up). */
async function writeSandboxFiles(workDir: string, users: readonly AgentUser[]): Promise<SandboxPaths> {
  const hostPasswd = await readFile("/etc/passwd", "utf8").catch(() => "root:x:0:0:root:/root:/bin/sh\n");
  const hostGroup = await readFile("/etc/group", "utf8").catch(() => "root:x:0:\n");
  const known = new Set(hostPasswd.split("\n").map((l) => l.split(":")[2]));
  const knownGroups = new Set(hostGroup.split("\n").map((l) => l.split(":")[2]));
  const extraUsers = users.filter((u) => !known.has(String(u.uid))).map((u) => `${u.name}:x:${u.uid}:${u.gid}:Codewalkers agent:/nonexistent:/bin/sh`);
  const extraGroups = users.filter((u) => !knownGroups.has(String(u.gid))).map((u) => `${u.name}:x:${u.gid}:`);
  const paths = { passwdFile: path.join(workDir, "sandbox", "passwd"), groupFile: path.join(workDir, "sandbox", "group") };
  const join = (base: string, extra: string[]) => `${base.replace(/\n*$/, "\n")}${extra.map((l) => `${l}\n`).join("")}`;
  await writeFile(paths.passwdFile, join(hostPasswd, extraUsers), { mode: 0o644 });
  await writeFile(paths.groupFile, join(hostGroup, extraGroups), { mode: 0o644 });
  await chmod(paths.passwdFile, 0o644);
  await chmod(paths.groupFile, 0o644);
  return paths;
}

/**
 * Decides the mode and prepares the work directory. `{ ok: false }` names what is missing and
 * how to fix it: the caller refuses to start agents.
 */
export async function setUpContainment(options: ContainmentOptions): Promise<ContainmentSetup> {
  const workDir = path.resolve(options.workDir);
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const base = { workDir, runnerUid: uid, runnerGid: gid };

  if (options.unsafe) {
    await prepareLayout(workDir, options.privateDirs ?? [], options.dataDir);
    const userNamespaces = (await onPath("unshare")) && (await commandWorks("unshare", USER_NAMESPACE_PROBE)) === null;
    return {
      ok: true,
      containment: {
        ...base,
        mode: "unsafe",
        pool: undefined,
        paths: undefined,
        userNamespaces,
        describe: () => "UNSAFE: agents run as the runner's own user (CW_UNSAFE_AGENTS=1) and can read its secrets, its database and every worktree",
      },
    };
  }

  let users: AgentUser[];
  try {
    users = parseAgentUsers(options.agentUsers ?? (uid === 0 ? DEFAULT_AGENT_USERS : ""), uid);
  } catch (error) {
    if (uid !== 0 && !options.agentUsers) {
      return { ok: false, problem: notContainable(uid) };
    }
    return { ok: false, problem: (error as Error).message };
  }
  if (users.length < options.maxAgents) {
    return {
      ok: false,
      problem: `CW_AGENT_USERS names ${users.length} user(s) but CW_MAX_AGENTS is ${options.maxAgents}: each agent running at once needs a user of its own`,
    };
  }

  let mode: ContainmentMode;
  let namespaces = false;
  if (uid === 0) {
    if (!(await onPath("setpriv")))
      return { ok: false, problem: "setpriv (util-linux) is not on PATH: install util-linux, or set CW_UNSAFE_AGENTS=1 to run agents uncontained" };
    namespaces =
      (await onPath("unshare")) && (await commandWorks("unshare", ["--mount", "--pid", "--fork", "--mount-proc", "--propagation=private", "true"])) === null;
    mode = namespaces ? "namespaces" : "setpriv";
  } else {
    if (!(await onPath("sudo"))) return { ok: false, problem: notContainable(uid) };
    for (const user of [users[0]!, users[users.length - 1]!]) {
      const refusal = await commandWorks("sudo", ["-n", "-u", user.name, "--", "true"]);
      if (refusal !== null) {
        return { ok: false, problem: `sudo may not run commands as ${user.name} without a password (${refusal}). ${notContainable(uid)}` };
      }
    }
    mode = "sudo";
  }

  await prepareLayout(workDir, options.privateDirs ?? [], options.dataDir);
  const closed = await firstClosedAncestor(path.join(workDir, "worktrees"));
  if (closed) {
    return {
      ok: false,
      problem: `agents cannot reach their worktrees: ${closed} lets no other user pass (chmod o+x ${closed}, or put CW_WORKDIR / CW_DATA_DIR somewhere they can)`,
    };
  }
  const paths = namespaces ? await writeSandboxFiles(workDir, users) : undefined;
  const userNamespaces = await agentMakesUserNamespaces(mode, users[0]!);
  const containment: Containment = {
    ...base,
    mode,
    pool: new AgentUserPool(users),
    paths,
    userNamespaces,
    describe: () =>
      (mode === "sudo"
        ? `agents run as ${users.length} users of their own through sudo (${users[0]!.name} …)`
        : `agents run as ${users.length} users of their own (uid ${users[0]!.uid}…${users[users.length - 1]!.uid})${namespaces ? " in their own PID and mount namespaces" : " (no namespaces: unshare is not allowed here)"}`) +
      (userNamespaces ? "" : "; agents cannot make user namespaces here, so codex's own sandbox is off and their users alone confine them"),
  };
  if (options.databaseUrl) {
    const reach = await databaseReach(options.databaseUrl, { mode, user: users[0]!, paths });
    if (reach && !options.unsafeDatabase) return { ok: false, problem: `${reach}, or set CW_UNSAFE_DATABASE=1 to run agents anyway` };
    if (reach) containment.warning = `UNSAFE (CW_UNSAFE_DATABASE=1): ${reach}`;
  }
  return { ok: true, containment };
}

/** What bubblewrap does first: a user namespace of its own, with a mount namespace inside. */
const USER_NAMESPACE_PROBE = ["--user", "--map-root-user", "--mount", "true"];

/** Whether `user`, as agents run, may make a user namespace (see `Containment.userNamespaces`). */
async function agentMakesUserNamespaces(mode: ContainmentMode, user: AgentUser): Promise<boolean> {
  if (!(await onPath("unshare"))) return false;
  return runAsAgent(mode, user, "unshare", USER_NAMESPACE_PROBE).then(
    () => true,
    () => false,
  );
}

/** Why agents must not start because they could log in to the database, or null. */
async function databaseReach(databaseUrl: string, probe: ReachProbe): Promise<string | null> {
  const endpoints = databaseEndpoints(databaseUrl);
  try {
    return databaseRefusal(await probeDatabaseReach(endpoints, probe), endpoints[0]!.user);
  } catch (error) {
    return `could not tell whether agents can log in to the app's PostgreSQL (${(error as Error).message})`;
  }
}

function notContainable(uid: number): string {
  return (
    `agents cannot be contained: the runner runs as uid ${uid}, not root, and cannot switch to agent users. ` +
    "Run it as root (it then drops each agent to a user of its own), or give it passwordless sudo to the users in CW_AGENT_USERS " +
    'as the Docker image does (see README, "Security model"), or set CW_UNSAFE_AGENTS=1 to run agents as this user, with access to all its secrets'
  );
}

/** Whether a file's mode lets other users read it (for the boot check on .env and the key file). */
export async function readableByOthers(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    await access(file, constants.F_OK);
    return (info.mode & 0o004) !== 0;
  } catch {
    return false;
  }
}
