/**
 * Containment as the runner decides it at boot (`runner/containment/containment.ts`): the mode
 * on this host (root), the work directory's modes, and each way it refuses — with the reason and
 * what to do — so that no agent is ever started uncontained by accident.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AgentUsersError, parseAgentUsers } from "../../src/runner/containment/agent-users.js";
import { setUpContainment } from "../../src/runner/containment/containment.js";
import { preparePgliteDir } from "../../src/db/pglite-dir.js";
import { protectHostSecrets } from "../../src/runner/containment/host-secrets.js";
import { testAgentUsers } from "../support/github-app.js";

const made: string[] = [];
function scratch(mode = 0o711): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cw-containment-setup-"));
  chmodSync(dir, mode);
  made.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const modeOf = (p: string) => statSync(p).mode & 0o7777;

describe("setting up containment", () => {
  it("as root: agents get users of their own in namespaces; the work directory keeps its parts private", async () => {
    const root = scratch();
    const dataDir = path.join(root, "data");
    const workDir = path.join(dataDir, "work");
    const setup = await setUpContainment({ workDir, dataDir, agentUsers: testAgentUsers(3), unsafe: false, maxAgents: 4, privateDirs: [path.join(dataDir, "pglite")] });
    if (!setup.ok) throw new Error(setup.problem);
    expect(setup.containment.mode).toBe("namespaces");
    expect(setup.containment.pool?.size).toBe(16);
    expect(modeOf(dataDir)).toBe(0o711);
    expect(modeOf(path.join(dataDir, "pglite"))).toBe(0o700);
    expect(modeOf(workDir)).toBe(0o711);
    expect(modeOf(path.join(workDir, "mirrors"))).toBe(0o700);
    expect(modeOf(path.join(workDir, "worktrees"))).toBe(0o711);
    expect(modeOf(path.join(workDir, "homes"))).toBe(0o711);
    // The passwd agents see names them, and keeps the host's own users.
    const passwd = readFileSync(setup.containment.paths!.passwdFile, "utf8");
    const first = Number(testAgentUsers(3).split("-")[0]);
    expect(passwd).toContain(`cw-agent-${first}:x:${first}:${first}:`);
    expect(passwd).toMatch(/^root:x:0:0:/m);
  });

  it("refuses when a folder above the work directory lets no other user pass, and says which", async () => {
    const closed = scratch(0o700);
    const setup = await setUpContainment({ workDir: path.join(closed, "work"), agentUsers: testAgentUsers(3), unsafe: false, maxAgents: 2 });
    expect(setup).toEqual({ ok: false, problem: expect.stringContaining(`${closed} lets no other user pass (chmod o+x ${closed}`) });
  });

  it("refuses, not being root and without sudo to the agent users, and says what would do", async () => {
    const setup = await setUpContainment({ workDir: path.join(scratch(), "work"), agentUsers: undefined, unsafe: false, maxAgents: 2, uid: 1000 });
    expect(setup.ok).toBe(false);
    if (setup.ok) return;
    expect(setup.problem).toContain("agents cannot be contained: the runner runs as uid 1000, not root");
    expect(setup.problem).toContain("CW_UNSAFE_AGENTS=1");
  });

  it("refuses fewer agent users than agents at once", async () => {
    const setup = await setUpContainment({ workDir: path.join(scratch(), "work"), agentUsers: "3000000-3000001", unsafe: false, maxAgents: 4 });
    expect(setup).toEqual({ ok: false, problem: expect.stringContaining("CW_AGENT_USERS names 2 user(s) but CW_MAX_AGENTS is 4") });
  });

  it("runs agents uncontained only when told to, and says so", async () => {
    const setup = await setUpContainment({ workDir: path.join(scratch(), "work"), agentUsers: undefined, unsafe: true, maxAgents: 2, uid: 1000 });
    if (!setup.ok) throw new Error(setup.problem);
    expect(setup.containment.mode).toBe("unsafe");
    expect(setup.containment.describe()).toMatch(/^UNSAFE: agents run as the runner's own user/);
  });
});

describe("CW_AGENT_USERS", () => {
  const passwd = [
    { name: "root", uid: 0, gid: 0 },
    { name: "node", uid: 1000, gid: 1000 },
    { name: "cw-agent-0", uid: 2001, gid: 2001 },
  ];

  it("reads a uid range or a list of users", () => {
    expect(parseAgentUsers("5000-5002", 0, passwd).map((u) => u.uid)).toEqual([5000, 5001, 5002]);
    expect(parseAgentUsers("cw-agent-0, 7000", 1000, passwd)).toEqual([
      { uid: 2001, gid: 2001, name: "cw-agent-0" },
      { uid: 7000, gid: 7000, name: "cw-agent-7000" },
    ]);
  });

  it("never root, never the runner's own user, never an account in a range, never a name that does not exist", () => {
    expect(() => parseAgentUsers("0-3", 1000, passwd)).toThrow(AgentUsersError);
    expect(() => parseAgentUsers("root", 1000, passwd)).toThrow("must not include root");
    expect(() => parseAgentUsers("node", 1000, passwd)).toThrow("must not include the runner's own user");
    expect(() => parseAgentUsers("999-1001", 0, passwd)).toThrow('includes uid 1000, which is the account "node"');
    expect(() => parseAgentUsers("ghost", 0, passwd)).toThrow('names "ghost", which is not a user on this host');
    expect(() => parseAgentUsers("9-3", 0, passwd)).toThrow("ends before it starts");
  });
});

describe("PGlite's folder", () => {
  it("moves an earlier layout's database files down into <data>/pglite, leaving the work directory", async () => {
    const dataDir = path.join(scratch(), "data");
    mkdirSync(path.join(dataDir, "base"), { recursive: true });
    mkdirSync(path.join(dataDir, "work", "mirrors"), { recursive: true });
    writeFileSync(path.join(dataDir, "PG_VERSION"), "17\n");
    writeFileSync(path.join(dataDir, "base", "1"), "rows");
    await preparePgliteDir(dataDir, path.join(dataDir, "pglite"), [path.join(dataDir, "work")]);
    expect(readFileSync(path.join(dataDir, "pglite", "PG_VERSION"), "utf8")).toBe("17\n");
    expect(readFileSync(path.join(dataDir, "pglite", "base", "1"), "utf8")).toBe("rows");
    expect(statSync(path.join(dataDir, "work", "mirrors")).isDirectory()).toBe(true);
    expect(modeOf(path.join(dataDir, "pglite"))).toBe(0o700);
  });
});

describe("the app's secrets on disk", () => {
  it("a world-readable .env the runner owns becomes 0600; a database without a password is named, with what to do", async () => {
    const dir = scratch();
    const env = path.join(dir, ".env");
    writeFileSync(env, "WEBHOOK_SECRET=s3cret\n", { mode: 0o644 });
    chmodSync(env, 0o644);
    const warned: string[] = [];
    const said = await protectHostSecrets(
      { files: [env, path.join(dir, "missing.pem")], databaseUrl: "postgres://postgres@127.0.0.1:5432/app", uid: process.getuid!() },
      { warn: (line: string) => void warned.push(line) },
    );
    expect(modeOf(env)).toBe(0o600);
    expect(said).toEqual([
      ".env was readable by other users (agents among them): it is 0600 now",
      expect.stringContaining("DATABASE_URL has no password"),
    ]);
    expect(warned).toEqual(said);
    // Nothing to say the second time, and nothing about a URL with a password.
    expect(await protectHostSecrets({ files: [env], databaseUrl: "postgres://app:pw@db/app", uid: process.getuid!() }, { warn: () => {} })).toEqual([]);
  });
});
