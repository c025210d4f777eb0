/**
 * Containment as the runner decides it at boot (`runner/containment/containment.ts`): the mode
 * on this host (root: namespaces; the Docker image's non-root app user: sudo), the work
 * directory's modes, and each way it refuses — with the reason and what to do — so that no agent
 * is ever started uncontained by accident.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AgentUsersError, parseAgentUsers } from "../../src/runner/containment/agent-users.js";
import { setUpContainment } from "../../src/runner/containment/containment.js";
import { preparePgliteDir } from "../../src/db/pglite-dir.js";
import { protectHostSecrets } from "../../src/runner/containment/host-secrets.js";
import { databaseEndpoints, probeDatabaseReach } from "../../src/runner/containment/database-reach.js";
import { testAgentUsers } from "../support/github-app.js";
import { serverTrusts } from "../support/pg-trust.js";
import { startAsAgent } from "../support/containment.js";

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
/** As root the runner uses namespaces; as the image's app user, sudo (CW_TEST_AGENT_USERS). */
const asRoot = process.getuid!() === 0;

describe("setting up containment", () => {
  it("agents get users of their own (as root in namespaces, else through sudo); the work directory keeps its parts private", async () => {
    const root = scratch();
    const dataDir = path.join(root, "data");
    const workDir = path.join(dataDir, "work");
    const setup = await setUpContainment({
      workDir,
      dataDir,
      agentUsers: testAgentUsers(3),
      unsafe: false,
      maxAgents: 4,
      privateDirs: [path.join(dataDir, "pglite")],
    });
    if (!setup.ok) throw new Error(setup.problem);
    // Root drops to the agent users itself, in namespaces; the image's app user (not root) goes
    // through sudo (scripts/image-host.sh sets a host up like the image).
    expect(setup.containment.mode).toBe(asRoot ? "namespaces" : "sudo");
    expect(setup.containment.pool?.size).toBe(parseAgentUsers(testAgentUsers(3), process.getuid!()).length);
    expect(modeOf(dataDir)).toBe(0o711);
    expect(modeOf(path.join(dataDir, "pglite"))).toBe(0o700);
    expect(modeOf(workDir)).toBe(0o711);
    expect(modeOf(path.join(workDir, "mirrors"))).toBe(0o700);
    expect(modeOf(path.join(workDir, "worktrees"))).toBe(0o711);
    expect(modeOf(path.join(workDir, "homes"))).toBe(0o711);
    if (!asRoot) {
      // sudo runs agents with the host's own passwd: nothing to write.
      expect(setup.containment.paths).toBeUndefined();
      return;
    }
    // The passwd agents see names them, and keeps the host's own users.
    const passwd = readFileSync(setup.containment.paths!.passwdFile, "utf8");
    const first = Number(testAgentUsers(3).split("-")[0]);
    expect(passwd).toContain(`cw-agent-${first}:x:${first}:${first}:`);
    expect(passwd).toMatch(/^root:x:0:0:/m);
  });

  it("knows whether agents may make user namespaces (codex's own sandbox needs them), as an agent started like the runner's finds", async () => {
    const setup = await setUpContainment({ workDir: path.join(scratch(), "work"), agentUsers: testAgentUsers(3), unsafe: false, maxAgents: 1 });
    if (!setup.ok) throw new Error(setup.problem);
    const { containment } = setup;
    const user = await containment.pool!.acquire();
    try {
      // Not the boot's probe again: the whole wrapping an agent runs in (namespaces, or sudo).
      const agent = await startAsAgent(containment, user, "unshare", ["--user", "--map-root-user", "--mount", "true"]);
      expect(containment.userNamespaces).toBe(agent.exitCode === 0);
      expect(containment.describe().includes("codex's own sandbox is off")).toBe(!containment.userNamespaces);
    } finally {
      containment.pool!.release(user);
    }
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
  it("a world-readable .env the runner owns becomes 0600", async () => {
    const dir = scratch();
    const env = path.join(dir, ".env");
    writeFileSync(env, "WEBHOOK_SECRET=s3cret\n", { mode: 0o644 });
    chmodSync(env, 0o644);
    const warned: string[] = [];
    const said = await protectHostSecrets(
      { files: [env, path.join(dir, "missing.pem")], uid: process.getuid!() },
      { warn: (line: string) => void warned.push(line) },
    );
    expect(modeOf(env)).toBe(0o600);
    expect(said).toEqual([".env was readable by other users (agents among them): it is 0600 now"]);
    expect(warned).toEqual(said);
    // Nothing to say the second time.
    expect(await protectHostSecrets({ files: [env], uid: process.getuid!() }, { warn: () => {} })).toEqual([]);
  });
});

/**
 * A stand-in PostgreSQL that answers a startup message as a server with `trust` (AuthenticationOk)
 * or with `scram-sha-256` (AuthenticationSASL) would, and remembers the roles it was asked for.
 */
async function fakePostgres(
  answer: "trust" | "password",
  socketDir?: string,
): Promise<{ url: (role: string) => string; asked: string[]; close(): Promise<void> }> {
  const asked: string[] = [];
  const server = net.createServer((socket) => {
    socket.once("data", (data) => {
      // SSLRequest (8 bytes, code 80877103): say no, as a server without TLS does.
      if (data.length === 8 && data.readInt32BE(4) === 80877103) {
        socket.write("N");
        socket.once("data", (startup) => reply(socket, startup));
        return;
      }
      reply(socket, data);
    });
    socket.on("error", () => {});
  });
  function reply(socket: net.Socket, startup: Buffer): void {
    const fields = startup.subarray(8).toString().split("\0");
    asked.push(fields[fields.indexOf("user") + 1] ?? "");
    const message = Buffer.alloc(answer === "trust" ? 9 : 23);
    message.write("R", 0);
    if (answer === "trust") {
      message.writeInt32BE(8, 1);
      message.writeInt32BE(0, 5);
    } else {
      message.writeInt32BE(22, 1);
      message.writeInt32BE(10, 5);
      message.write("SCRAM-SHA-256\0\0", 9);
    }
    socket.end(message);
  }
  if (socketDir) {
    // A Unix socket, as PostgreSQL makes it: anyone on the host may connect (0777).
    const socket = path.join(socketDir, ".s.PGSQL.5999");
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    chmodSync(socket, 0o777);
    return {
      url: (role) => `postgres:///app?host=${socketDir}&port=5999&user=${role}`,
      asked,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: (role) => `postgres://${role}@127.0.0.1:${port}/app`,
    asked,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("a database agents could log in to", () => {
  it("stops the runner starting agents, with what to do; CW_UNSAFE_DATABASE=1 starts them with a warning", async () => {
    const db = await fakePostgres("trust");
    try {
      const workDir = path.join(scratch(), "work");
      const setup = await setUpContainment({ workDir, agentUsers: testAgentUsers(3), unsafe: false, maxAgents: 2, databaseUrl: db.url("cw_app") });
      expect(setup.ok).toBe(false);
      if (setup.ok) return;
      expect(setup.problem).toContain(
        `agents on this host could log in to the app's PostgreSQL without a password (${new URL(db.url("x")).host} let an agent user in as "cw_app"`,
      );
      expect(setup.problem).toContain("pg_hba.conf: scram-sha-256");
      expect(setup.problem).toContain("CW_UNSAFE_DATABASE=1");
      // Asked as an agent would ask: the app's role, no password (plain first, then TLS).
      expect(db.asked).toEqual(["cw_app"]);

      const opted = await setUpContainment({
        workDir,
        agentUsers: testAgentUsers(3),
        unsafe: false,
        maxAgents: 2,
        databaseUrl: db.url("cw_app"),
        unsafeDatabase: true,
      });
      if (!opted.ok) throw new Error(opted.problem);
      expect(opted.containment.warning).toMatch(/^UNSAFE \(CW_UNSAFE_DATABASE=1\): agents on this host could log in/);
    } finally {
      await db.close();
    }
  });

  it("starts agents where the database asks for a password, and where it cannot be reached", async () => {
    const db = await fakePostgres("password");
    try {
      const workDir = path.join(scratch(), "work");
      const setup = await setUpContainment({ workDir, agentUsers: testAgentUsers(3), unsafe: false, maxAgents: 2, databaseUrl: db.url("cw_app") });
      if (!setup.ok) throw new Error(setup.problem);
      expect(setup.containment.warning).toBeUndefined();
      // Refused in plain text; the TLS attempt stops at the server's "no TLS".
      expect(db.asked).toEqual(["cw_app"]);
    } finally {
      await db.close();
    }
    const nowhere = await setUpContainment({
      workDir: path.join(scratch(), "work"),
      agentUsers: testAgentUsers(3),
      unsafe: false,
      maxAgents: 2,
      databaseUrl: "postgres://cw_app@127.0.0.1:1/app",
    });
    expect(nowhere.ok).toBe(true);
  });

  it("a server that trusts its Unix socket is found out through it, by an agent user", async () => {
    const db = await fakePostgres("trust", scratch());
    try {
      const setup = await setUpContainment({
        workDir: path.join(scratch(), "work"),
        agentUsers: testAgentUsers(3),
        unsafe: false,
        maxAgents: 2,
        databaseUrl: db.url("cw_app"),
      });
      expect(setup).toEqual({ ok: false, problem: expect.stringContaining('.s.PGSQL.5999 let an agent user in as "cw_app"') });
      expect(db.asked).toEqual(["cw_app"]);
    } finally {
      await db.close();
    }
  });

  it("asks each door of the server the URL names: its socket and loopback, a loopback URL's default socket too", () => {
    const doors = (url: string) => databaseEndpoints(url).map((e) => e.label);
    expect(doors("postgres://app@127.0.0.1:5433/cw")).toEqual(["127.0.0.1:5433", "/var/run/postgresql/.s.PGSQL.5433"]);
    expect(doors("postgres://app@localhost/cw")).toEqual(["localhost:5432", "/var/run/postgresql/.s.PGSQL.5432"]);
    expect(doors("postgres://app@db.internal:5432/cw")).toEqual(["db.internal:5432"]);
    expect(doors("postgres:///cw?host=/run/pg&user=app")).toEqual(["/run/pg/.s.PGSQL.5432", "127.0.0.1:5432"]);
    // No role in the URL: PGUSER, else the OS user, as postgres.js does.
    expect(databaseEndpoints("postgres://db.internal/cw")[0]!.user).toBe(process.env.PGUSER ?? os.userInfo().username);
  });

  it("this host's PostgreSQL, where it trusts local connections, is found out too", async () => {
    const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
    const endpoints = databaseEndpoints(url);
    const reaches = await probeDatabaseReach(endpoints, {
      mode: "unsafe",
      user: { name: "runner", uid: process.getuid!(), gid: process.getgid!() },
      paths: undefined,
    });
    // Whatever pg_hba.conf says here, the probe's verdict must be the server's own answer.
    const trusted = await serverTrusts(url);
    expect(reaches[0]).toMatchObject({ endpoint: endpoints[0]!.label, verdict: trusted ? "open" : "closed" });
  });
});
