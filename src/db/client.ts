/**
 * One database handle for the whole app, on PostgreSQL (postgres.js) or embedded PGlite.
 * Both speak the same SQL and share one drizzle schema, so every query runs on both.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { lockPgliteDir } from "./pglite-lock.js";
import * as schema from "./schema.js";

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction or the database: commands accept either, so they compose. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

export type Driver = "postgres" | "pglite";

export interface Database {
  db: Db;
  driver: Driver;
  /** Runs `select 1`; rejects when the database cannot answer. */
  ping(): Promise<void>;
  /** Wakes `onNotify` listeners in every process sharing this database (LISTEN/NOTIFY). */
  notify(channel: string, payload?: string): Promise<void>;
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Rows of a raw query, normalised across drivers. */
  rows<T extends Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs `fn` while holding a session advisory lock on a dedicated connection, so that processes
   * sharing the database take turns (PGlite belongs to one process: callers take turns in memory).
   */
  withAdvisoryLock<T>(key: number, fn: () => Promise<T>): Promise<T>;
  /**
   * Counts the caller among the app processes alive on this database until the returned `leave`
   * (or the process's end: a killed process's connection, and its lock, go with it). `ifAlone`
   * runs when no other one is alive, and no other can count itself in before it is done.
   * PGlite belongs to one process: there the count is in memory.
   */
  joinApps(ifAlone: (db: Db) => Promise<void>): Promise<() => Promise<void>>;
  /** PGlite only: the data directory as a tarball, which `pgliteDump` can load again. */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** A dump of a migrated PGlite data dir (tests load one instead of running initdb). */
  pgliteDump?: Blob | File | undefined;
  maxConnections?: number | undefined;
  /** PostgreSQL: called for each statement drizzle sends (the benchmarks count them; not `begin` and `commit`). */
  onStatement?: (() => void) | undefined;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.maxConnections, options.onStatement) : openPglite(options);
}

async function openPostgres(url: string, max = 10, onStatement?: () => void): Promise<Database> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const client = postgres(url, {
    max,
    onnotice: () => {},
    // Fail fast when the server is down instead of hanging a boot or a health check.
    connect_timeout: 5,
  });
  const db = drizzle(preparingStatements(client, onStatement), { schema }) as unknown as Db;
  /** One connection, for session state (advisory locks) that must outlive no pool turn. */
  const ownConnection = () => postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5, idle_timeout: 0, max_lifetime: 0 });
  serializeDates(client.options.serializers);
  return {
    db,
    driver: "postgres",
    async ping() {
      await client`select 1`;
    },
    async notify(channel, payload = "") {
      await client.notify(channel, payload);
    },
    async listen(channel, onNotify) {
      const sub = await client.listen(channel, onNotify);
      return () => sub.unlisten();
    },
    async rows<T extends Record<string, unknown>>(query: string, params: unknown[] = []) {
      const result = await client.unsafe(query, params as never[]);
      return [...result] as unknown as T[];
    },
    async withAdvisoryLock(key, fn) {
      // A client of its own (one connection), like joinApps's, not one reserved from the pool:
      // a reserved connection whose server side ends stays in the pool broken.
      const conn = ownConnection();
      try {
        await conn`select pg_advisory_lock(${key})`;
        try {
          return await fn();
        } finally {
          // If the connection is gone, so is its session, and the lock with it.
          await conn`select pg_advisory_unlock(${key})`.catch(() => {});
        }
      } finally {
        await conn.end({ timeout: 5 }).catch(() => {});
      }
    },
    async joinApps(ifAlone) {
      // Each app holds a shared lock on a connection of its own for as long as it lives; the
      // gate (as withAdvisoryLock's, while `ifAlone` runs on the pool) makes counting the others
      // and acting on the count one step. The connection is a client of its own (one
      // connection), not one reserved from the pool: a reserved connection that drops is dead
      // for good, while this one connects again at its next query.
      const conn = ownConnection();
      let left = false;
      // The lock lives as long as its connection. If that drops (a server restart, a network cut)
      // the app no longer counts, and an app started then would take its claims as a dead one's:
      // so it is checked, and taken again, every APP_ALIVE_CHECK_MS.
      const check = setInterval(() => {
        conn`select pg_advisory_lock_shared(${APP_ALIVE_KEY}) where not exists (
               select 1 from pg_locks where pid = pg_backend_pid() and locktype = 'advisory' and granted
                 and classid = 0 and objid = ${APP_ALIVE_KEY} and objsubid = 1)`.catch(() => {
          // Still down: the next check tries again.
        });
      }, APP_ALIVE_CHECK_MS);
      check.unref();
      const leave = async () => {
        if (left) return;
        left = true;
        clearInterval(check);
        // Ending the connection ends its locks.
        await conn.end({ timeout: 5 }).catch(() => {});
      };
      try {
        await conn`select pg_advisory_lock(${APPS_GATE_KEY})`;
        await conn`select pg_advisory_lock_shared(${APP_ALIVE_KEY})`;
        const [alive] = await conn<{ n: number }[]>`
          select count(*)::int as n from pg_locks
          where locktype = 'advisory' and granted and classid = 0 and objid = ${APP_ALIVE_KEY} and objsubid = 1
            and database = (select oid from pg_database where datname = current_database())`;
        if (alive!.n === 1) await ifAlone(db);
        await conn`select pg_advisory_unlock(${APPS_GATE_KEY})`;
        return leave;
      } catch (error) {
        await leave();
        throw error;
      }
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

/** Advisory lock keys of `joinApps` ("cwal": an app is alive; "cwag": the gate to count them). */
const APP_ALIVE_KEY = 0x6377616c;
const APPS_GATE_KEY = 0x63776167;
/** How often an app makes sure it still counts among the living (see joinApps). */
const APP_ALIVE_CHECK_MS = 2_000;

/**
 * drizzle hands postgres.js every date and time value as a string it made, so it replaces
 * postgres.js's serializers for those types with the identity. A `Date` that reaches the driver
 * any other way (inside a raw `sql` template) then fails in postgres.js's socket handler, where
 * the error is lost and the connection hangs for good. Dates are written as ISO text here instead,
 * which is what PGlite does with them too.
 */
const DATE_TYPES = ["1082", "1114", "1184"];
function serializeDates(serializers: Record<string, (value: unknown) => unknown>): void {
  for (const type of DATE_TYPES) {
    const passOn = serializers[type] ?? ((value: unknown) => value);
    serializers[type] = (value) => (value instanceof Date ? value.toISOString() : passOn(value));
  }
}

type Call = (...args: unknown[]) => unknown;

/**
 * The postgres.js client as drizzle should see it: every query runs as a prepared statement.
 * drizzle sends each query it was not given a name for with `prepare: false`, and postgres.js
 * sends such a query, when it has parameters, in two round trips (parse and describe, then bind
 * and execute). A prepared one (postgres.js's own default) is parsed once per connection and then
 * takes one round trip. Transactions and savepoints hand drizzle a client of their own: wrapped too.
 */
function preparingStatements<T extends object>(client: T, onStatement?: () => void): T {
  return new Proxy(client, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      const call = value as Call;
      if (key === "unsafe") {
        return (query: unknown, params: unknown, options?: object) => {
          onStatement?.();
          return call.call(target, query, params, { ...options, prepare: true });
        };
      }
      if (key === "begin" || key === "savepoint") {
        return (...args: unknown[]) => {
          const fn = args.pop() as (sql: object) => unknown;
          return call.call(target, ...args, (sql: object) => fn(preparingStatements(sql, onStatement)));
        };
      }
      return value;
    },
  });
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  let dataDir: string | undefined;
  let unlock = async () => {};
  if (options.dataDir && !options.pgliteDump) {
    dataDir = path.resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true });
    unlock = await lockPgliteDir(dataDir);
  }
  const client = new PGlite({
    ...(dataDir ? { dataDir } : {}),
    ...(options.pgliteDump ? { loadDataDir: options.pgliteDump } : {}),
  });
  try {
    await client.waitReady;
  } catch (error) {
    await unlock();
    throw error;
  }
  yieldAfterQueries(client);
  const db = drizzle(client, { schema }) as unknown as Db;
  let closed = false;
  const lockTails = new Map<number, Promise<void>>();
  let apps = 0;
  let appsGate = Promise.resolve();
  return {
    db,
    driver: "pglite",
    async ping() {
      if (closed) throw new Error("database is closed");
      await client.query("select 1");
    },
    async notify(channel, payload = "") {
      await client.query(`select pg_notify($1, $2)`, [channel, payload]);
    },
    async listen(channel, onNotify) {
      const unsub = await client.listen(channel, onNotify);
      return unsub;
    },
    async rows<T extends Record<string, unknown>>(query: string, params: unknown[] = []) {
      const result = await client.query<T>(query, params);
      return result.rows;
    },
    async withAdvisoryLock(key, fn) {
      // One process owns a PGlite database, so an in-memory queue per key is the lock: callers
      // still take turns, as they do on PostgreSQL (two concurrent migrations would otherwise
      // both find the schema empty and the second would fail on "type already exists").
      const previous = lockTails.get(key) ?? Promise.resolve();
      const run = previous.then(() => fn());
      const tail = run.then(
        () => {},
        () => {},
      );
      lockTails.set(key, tail);
      try {
        return await run;
      } finally {
        if (lockTails.get(key) === tail) lockTails.delete(key);
      }
    },
    async joinApps(ifAlone) {
      const turn = appsGate.then(async () => {
        if (apps === 0) await ifAlone(db);
        apps++;
      });
      appsGate = turn.catch(() => {});
      await turn;
      let left = false;
      return async () => {
        if (!left) apps--;
        left = true;
      };
    },
    async dumpDataDir() {
      return client.dumpDataDir("none");
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        await unlock();
      }
    },
  };
}

type PgliteQuery = (query: string, params?: unknown[], options?: unknown) => Promise<unknown>;
interface PgliteQueries {
  query: PgliteQuery;
  transaction<T>(fn: (tx: { query: PgliteQuery }) => Promise<T>): Promise<T>;
}

/**
 * PGlite answers a query synchronously (WASM in this thread) and resolves its promise at once, so
 * a worker awaiting query after query runs on microtasks alone and never lets the event loop
 * reach I/O: a batch of a few thousand queries kept every webhook delivery waiting for 20 s, past
 * GitHub's 10 s. After each query the caller resumes on the next turn of the event loop instead,
 * so deliveries are read (and, between transactions, stored) while the workers are busy.
 */
function yieldAfterQueries(client: object): void {
  const target = client as PgliteQueries;
  const yielding =
    (query: PgliteQuery): PgliteQuery =>
    async (...args) => {
      const result = await query(...args);
      await new Promise<void>((resolve) => setImmediate(resolve));
      return result;
    };
  target.query = yielding(target.query.bind(target));
  const transaction = target.transaction.bind(target);
  target.transaction = (fn) =>
    transaction((tx) => {
      tx.query = yielding(tx.query.bind(tx));
      return fn(tx);
    });
}
