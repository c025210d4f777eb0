/**
 * Statements built once. Building a query (the builder calls, then drizzle turning the tree into
 * SQL text and a parameter list) costs more CPU than sending it; a statement run on every event
 * is built here the first time it runs, with `sql.placeholder(…)` for its values, and reused
 * after that: each run only fills in the values and sends the same text.
 *
 * A drizzle `.prepare(name)` binds to the session it was built on (a transaction's session lives
 * as long as the transaction). What is kept here is what the session is given, `prepareQuery`'s
 * arguments (SQL text, parameters with their placeholders, the selected fields to map rows by),
 * and each run hands them to the session of the database or transaction it runs on. That
 * works on both drivers, inside or outside a transaction. On postgres.js the text is also a
 * server-side prepared statement (see client.ts).
 */
import { is, sql, SQL, type Column } from "drizzle-orm";
import type { DbOrTx } from "./client.js";

type Session = DbOrTx["_"]["session"];
type PrepareArgs = Parameters<Session["prepareQuery"]>;

/** A drizzle query builder (select, insert, update, delete) whose values are placeholders. */
export interface Preparable<R> {
  prepare(name: string): { execute(values?: Record<string, unknown>): Promise<R> };
}

interface Captured {
  args: PrepareArgs;
  /** Set by select builders on the prepared query after `prepareQuery` (used to map joined rows). */
  joinsNotNullableMap: unknown;
}

/** What `prepareQuery` returns while capturing: nothing runs. */
class CapturedQuery {
  joinsNotNullableMap: unknown = undefined;
  setToken(): this {
    return this;
  }
  execute(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
}

/**
 * Runs `build` against a stand-in of `db` whose session records what it is asked to prepare
 * instead of preparing it: the builder (or `session.execute` for raw SQL) does all its usual
 * work, once, and nothing is sent.
 */
function capture(db: DbOrTx, name: string, build: (db: DbOrTx) => Preparable<unknown> | SQL): Captured {
  const session = db._.session;
  let args: PrepareArgs | undefined;
  let query: CapturedQuery | undefined;
  const recording = new Proxy(session, {
    get(target, key, receiver) {
      if (key === "prepareQuery") {
        return (...given: PrepareArgs) => {
          args = given;
          query = new CapturedQuery();
          return query;
        };
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  // Builders take the session from `db.session` (PgDatabase keeps it there and in `db._`).
  const standIn = new Proxy(db, {
    get(target, key, receiver) {
      if (key === "session") return recording;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  const built = build(standIn);
  if (is(built, SQL)) void recording.execute(built);
  else void built.prepare(name);
  if (args === undefined || query === undefined) throw new Error(`statement ${name}: nothing was prepared`);
  return { args, joinsNotNullableMap: query.joinsNotNullableMap };
}

function runCaptured<R>(db: DbOrTx, captured: Captured, values: Record<string, unknown>): Promise<R> {
  const query = db._.session.prepareQuery(...captured.args) as unknown as {
    joinsNotNullableMap?: unknown;
    execute(values: Record<string, unknown>): Promise<R>;
  };
  if (captured.joinsNotNullableMap !== undefined) query.joinsNotNullableMap = captured.joinsNotNullableMap;
  return query.execute(values);
}

/**
 * A query builder's statement, built on its first run. `build` must not depend on anything but
 * its `db`: every value goes in as `sql.placeholder(key)`, and `values` fills them.
 */
export function statement<P extends Record<string, unknown>, R>(name: string, build: (db: DbOrTx) => Preparable<R>): (db: DbOrTx, values: P) => Promise<R> {
  let captured: Captured | undefined;
  return (db, values) => {
    captured ??= capture(db, name, build);
    return runCaptured<R>(db, captured, values);
  };
}

/** A raw SQL statement (its result is not read), built on its first run. */
export function sqlStatement<P extends Record<string, unknown>>(name: string, build: () => SQL): (db: DbOrTx, values: P) => Promise<void> {
  let captured: Captured | undefined;
  return async (db, values) => {
    captured ??= capture(db, name, build);
    await runCaptured<unknown>(db, captured, values);
  };
}

/**
 * A placeholder that is encoded as `column` encodes its values, for the places drizzle's types
 * take only a value or SQL (an update's `set`). As in a built query, null is sent as NULL (not
 * through the column's encoder, which would make a jsonb `null`); undefined, which a built
 * update would leave out, is refused. A prepared update must set `updatedAt` itself: the
 * `$onUpdateFn` value drizzle adds to an update would otherwise be the one of its first run.
 */
export function columnValue(name: string, column: Column): SQL {
  const encoder = {
    mapToDriverValue(value: unknown): unknown {
      if (value === undefined) throw new Error(`no value for "${name}"`);
      return value === null ? null : column.mapToDriverValue(value);
    },
  };
  return sql`${sql.param(sql.placeholder(name), encoder)}`;
}
