/**
 * A fresh PostgreSQL database for one benchmark run, `cw_bench_<pid>`, created through the
 * server's `postgres` database and dropped afterwards.
 */
import { openDatabase } from "../../src/db/client.js";

export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(baseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL): Promise<BenchDatabase> {
  const base = new URL(baseUrl);
  if (base.hostname !== "127.0.0.1" && base.hostname !== "localhost") {
    throw new Error(`benchmarks talk only to 127.0.0.1; DATABASE_URL points at ${base.hostname}`);
  }
  const name = `cw_bench_${process.pid}`;
  const admin = await openDatabase({ databaseUrl: withDatabase(base, "postgres"), maxConnections: 1 });
  try {
    await admin.ping();
  } catch (error) {
    await admin.close().catch(() => {});
    throw new Error(
      `PostgreSQL does not answer at ${base.host} (${(error as Error).message}); start it ` +
        "(pg_ctlcluster --skip-systemctl-redirect <version> main start) or set DATABASE_URL",
    );
  }
  try {
    await admin.rows(`drop database if exists ${name} with (force)`);
    await admin.rows(`create database ${name}`);
  } catch (error) {
    await admin.close();
    throw error;
  }
  return {
    name,
    url: withDatabase(base, name),
    async drop() {
      try {
        await admin.rows(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.close();
      }
    },
  };
}

function withDatabase(base: URL, name: string): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}
