/**
 * The OS identities agents run as (`CW_AGENT_USERS`). Each agent that runs at the same time gets
 * one of its own, so an agent can neither read the runner's memory and environment (another
 * user's `/proc/<pid>/environ`) nor touch another agent's worktree or home (0700, another owner).
 *
 * The setting is a uid range (`200000-200031`, each uid its own group) or a comma list of user
 * names or uids (the Docker image's `cw-agent-0,…`). Names are resolved against /etc/passwd.
 */
import { readFileSync } from "node:fs";

export interface AgentUser {
  uid: number;
  gid: number;
  /** The login name: the passwd entry's, or `cw-agent-<uid>` for a bare uid. */
  name: string;
}

/** As root, with no setting: 64 uids far above any real account's. */
export const DEFAULT_AGENT_USERS = "200000-200063";

const MAX_RANGE = 4096;

export class AgentUsersError extends Error {}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

function readPasswd(file = "/etc/passwd"): PasswdEntry[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const entries: PasswdEntry[] = [];
  for (const line of text.split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (name && uid !== undefined && gid !== undefined && /^\d+$/.test(uid) && /^\d+$/.test(gid)) {
      entries.push({ name, uid: Number(uid), gid: Number(gid) });
    }
  }
  return entries;
}

/**
 * Parses `CW_AGENT_USERS`. Never root, never the runner's own uid, never an account that exists
 * for something else when given as a range (a range is meant to be free).
 */
export function parseAgentUsers(spec: string, runnerUid: number, passwd: PasswdEntry[] = readPasswd()): AgentUser[] {
  const text = spec.trim();
  const users: AgentUser[] = [];
  const range = /^(\d+)\s*-\s*(\d+)$/.exec(text);
  if (range) {
    const first = Number(range[1]);
    const last = Number(range[2]);
    if (last < first) throw new AgentUsersError(`CW_AGENT_USERS range ${text} ends before it starts`);
    if (last - first + 1 > MAX_RANGE) throw new AgentUsersError(`CW_AGENT_USERS range ${text} holds more than ${MAX_RANGE} uids`);
    for (let uid = first; uid <= last; uid++) {
      const taken = passwd.find((p) => p.uid === uid);
      if (taken)
        throw new AgentUsersError(`CW_AGENT_USERS range ${text} includes uid ${uid}, which is the account "${taken.name}"; pick a range no account uses`);
      users.push({ uid, gid: uid, name: `cw-agent-${uid}` });
    }
  } else {
    for (const raw of text.split(",")) {
      const part = raw.trim();
      if (!part) continue;
      const entry = /^\d+$/.test(part) ? passwd.find((p) => p.uid === Number(part)) : passwd.find((p) => p.name === part);
      if (!entry && !/^\d+$/.test(part)) throw new AgentUsersError(`CW_AGENT_USERS names "${part}", which is not a user on this host`);
      users.push(entry ? { uid: entry.uid, gid: entry.gid, name: entry.name } : { uid: Number(part), gid: Number(part), name: `cw-agent-${part}` });
    }
  }
  if (users.length === 0) throw new AgentUsersError("CW_AGENT_USERS names no user");
  for (const user of users) {
    if (user.uid === 0 || user.gid === 0) throw new AgentUsersError(`CW_AGENT_USERS must not include root (${user.name})`);
    if (user.uid === runnerUid)
      throw new AgentUsersError(`CW_AGENT_USERS must not include the runner's own user (${user.name}): agents would read its secrets`);
  }
  if (new Set(users.map((u) => u.uid)).size !== users.length) throw new AgentUsersError("CW_AGENT_USERS names a user twice");
  return users;
}

/**
 * Hands out one identity per running agent. An identity goes back only once everything the
 * agent left running is gone and its files are taken back (see `agent-sandbox.ts`).
 */
export class AgentUserPool {
  readonly #free: AgentUser[];
  readonly #waiters: Array<(user: AgentUser) => void> = [];

  constructor(readonly users: readonly AgentUser[]) {
    this.#free = [...users];
  }

  get size(): number {
    return this.users.length;
  }

  /** The next free identity; waits when every one is in use. */
  acquire(): Promise<AgentUser> {
    const user = this.#free.shift();
    if (user) return Promise.resolve(user);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(user: AgentUser): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(user);
    else this.#free.push(user);
  }
}
