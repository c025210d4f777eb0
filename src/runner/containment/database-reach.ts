/**
 * Can an agent log in to the app's PostgreSQL? Containment keeps DATABASE_URL out of an agent's
 * reach, but a server that trusts connections from this host (pg_hba.conf `trust` for
 * 127.0.0.1, or for its Unix socket) needs no password at all: an agent could read every row and
 * write outbox rows the app would post with its own token. No OS user separation helps against
 * that, so at boot the runner asks, as an agent user inside the agent sandbox, whether the server
 * lets it in without a password; if it does, agents are not started (CW_UNSAFE_DATABASE=1 is the
 * explicit way out).
 *
 * The question is the first step of PostgreSQL's own protocol: a startup message for the app's
 * role and database, without a password. An `AuthenticationOk` answer means the server let the
 * caller in; a password or SASL request, an error or no answer means it did not. Plain and TLS
 * connections are both tried (pg_hba.conf can trust one and not the other). The script runs with
 * node alone, so the agent user needs nothing of the app's.
 */
import { execa } from "execa";
import os from "node:os";
import path from "node:path";
import { sandboxCommand, type ContainmentMode, type SandboxPaths } from "./agent-sandbox.js";
import type { AgentUser } from "./agent-users.js";

export interface DatabaseEndpoint {
  /** `host:port`, or the socket file's path. */
  label: string;
  host?: string;
  port?: number;
  socket?: string;
  user: string;
  database: string;
}

export type Reach = { endpoint: string; verdict: "open" | "closed"; detail: string };

const DEFAULT_PORT = 5432;

/** Where a Unix-socket server listens unless told otherwise (Debian, the official Docker image). */
const DEFAULT_SOCKET_DIR = "/var/run/postgresql";
const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1"]);

/**
 * Where DATABASE_URL points, and the other door of the same server an agent on this host could
 * use: a socket URL is also asked on 127.0.0.1, a loopback URL also on the default socket (the
 * official image trusts `local` connections even where it asks a password over TCP). The role
 * is the URL's (`user@` or `?user=`), else PGUSER, else the OS user, as postgres.js takes it.
 */
export function databaseEndpoints(databaseUrl: string): DatabaseEndpoint[] {
  const url = new URL(databaseUrl);
  const port = Number(url.port || url.searchParams.get("port") || process.env.PGPORT || DEFAULT_PORT);
  const user = decodeURIComponent(url.username) || url.searchParams.get("user") || process.env.PGUSER || os.userInfo().username;
  const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || user;
  const hostname = url.searchParams.get("host") ?? (url.hostname.replace(/^\[|\]$/g, "") || process.env.PGHOST || "localhost");
  const onSocket = (dir: string): DatabaseEndpoint => {
    const socket = path.join(dir, `.s.PGSQL.${port}`);
    return { label: socket, socket, user, database };
  };
  const loopback: DatabaseEndpoint = { label: `127.0.0.1:${port}`, host: "127.0.0.1", port, user, database };
  if (hostname.startsWith("/")) return [onSocket(hostname), loopback];
  const tcp: DatabaseEndpoint = { label: `${hostname}:${port}`, host: hostname, port, user, database };
  return LOOPBACK.has(hostname) ? [tcp, onSocket(DEFAULT_SOCKET_DIR)] : [tcp];
}

/**
 * Runs in a fresh node as the agent user: argv[1] is the endpoints as JSON; prints one JSON line
 * per endpoint. Kept to node's own modules.
 */
const PROBE = String.raw`
const net = require("node:net"), tls = require("node:tls");
const endpoints = JSON.parse(process.argv[1]);
function startup(user, database) {
  const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from("user\0" + user + "\0database\0" + database + "\0\0")]);
  const head = Buffer.alloc(4); head.writeInt32BE(body.length + 4);
  return Buffer.concat([head, body]);
}
function firstAnswer(socket, e, onDone) {
  let got = Buffer.alloc(0);
  socket.on("data", (d) => {
    got = Buffer.concat([got, d]);
    if (got.length < 9) { if (got.length >= 1 && got[0] === 69) onDone("closed", "error answer"); return; }
    if (got[0] === 82) onDone(got.readInt32BE(5) === 0 ? "open" : "closed", "authentication request " + got.readInt32BE(5));
    else onDone("closed", "answer " + String.fromCharCode(got[0]));
  });
  socket.write(startup(e.user, e.database));
}
function attempt(e, useTls) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (verdict, detail) => { if (settled) return; settled = true; try { socket.destroy(); } catch {} resolve({ endpoint: e.label, verdict, detail: (useTls ? "tls: " : "plain: ") + detail }); };
    const socket = e.socket ? net.connect(e.socket) : net.connect(e.port, e.host);
    socket.setTimeout(4000, () => done("closed", "no answer"));
    socket.on("error", (err) => done("closed", err.code || err.message));
    socket.once("connect", () => {
      if (!useTls) return firstAnswer(socket, e, done);
      const req = Buffer.alloc(8); req.writeInt32BE(8); req.writeInt32BE(80877103, 4);
      socket.once("data", (d) => {
        if (d[0] !== 83) return done("closed", "no TLS offered");
        const secure = tls.connect({ socket, rejectUnauthorized: false, servername: e.host && !net.isIP(e.host) ? e.host : undefined });
        secure.on("error", (err) => done("closed", err.code || err.message));
        secure.once("secureConnect", () => firstAnswer(secure, e, done));
      });
      socket.write(req);
    });
  });
}
(async () => {
  for (const e of endpoints) {
    const plain = await attempt(e, false);
    let result = plain;
    if (plain.verdict !== "open" && !e.socket) {
      const secure = await attempt(e, true);
      result = secure.verdict === "open" ? secure : { endpoint: e.label, verdict: "closed", detail: plain.detail + "; " + secure.detail };
    }
    process.stdout.write(JSON.stringify(result) + "\n");
  }
})();
`;

export interface ReachProbe {
  mode: ContainmentMode;
  user: AgentUser;
  paths: SandboxPaths | undefined;
}

/** Asks, as `probe.user` inside the agent sandbox, whether each endpoint lets it in without a password. */
export async function probeDatabaseReach(endpoints: readonly DatabaseEndpoint[], probe: ReachProbe): Promise<Reach[]> {
  const command = sandboxCommand({
    mode: probe.mode,
    user: probe.user,
    paths: probe.paths,
    file: process.execPath,
    args: ["-e", PROBE, JSON.stringify(endpoints)],
    env: { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", LC_ALL: "C", HOME: "/" },
  });
  const result = await execa(command.file, command.args, {
    env: command.env,
    extendEnv: false,
    cwd: "/",
    reject: false,
    timeout: 30_000,
    ...(command.input !== undefined ? { input: command.input } : { stdin: "ignore" as const }),
  });
  const reaches = result.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Reach);
  if (reaches.length !== endpoints.length) {
    throw new Error(`the database probe did not answer for every endpoint (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim().slice(0, 500)}`);
  }
  return reaches;
}

/** What is wrong, for the boot log, or null when no endpoint let the agent user in. */
export function databaseRefusal(reaches: readonly Reach[], role: string): string | null {
  const open = reaches.filter((r) => r.verdict === "open");
  if (open.length === 0) return null;
  return (
    `agents on this host could log in to the app's PostgreSQL without a password (${open.map((r) => r.endpoint).join(", ")} let an agent user in as "${role}": pg_hba.conf trusts it), ` +
    "and read or write everything the app keeps there. Require a password for those connections (pg_hba.conf: scram-sha-256 for host and local lines, then reload PostgreSQL)"
  );
}
