import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { projects } from "../../src/db/schema.js";
import { sqlStatement, statement, columnValue } from "../../src/db/prepared.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
beforeEach(async () => database.truncateAll());
afterAll(async () => database.close());

const projectByRepository = statement<{ repositoryId: number }, { id: string; name: string; updatedAt: Date }[]>("test_project", (db) =>
  db
    .select({ id: projects.id, name: projects.name, updatedAt: projects.updatedAt })
    .from(projects)
    .where(eq(projects.repositoryId, sql.placeholder("repositoryId"))),
);

const rename = statement<{ id: string; name: string; updatedAt: Date }, { name: string }[]>("test_rename", (db) =>
  db
    .update(projects)
    .set({ name: columnValue("name", projects.name), updatedAt: columnValue("updatedAt", projects.updatedAt) })
    .where(eq(projects.id, sql.placeholder("id")))
    .returning({ name: projects.name }),
);

const setting = sqlStatement<{ value: string }>("test_setting", () => sql`select set_config('application_name', ${sql.placeholder("value")}, true)`);

async function insertProject(repositoryId: number, name: string): Promise<string> {
  const [row] = await database.db
    .insert(projects)
    .values({ name, url: `https://github.com/${name}.git`, installationId: 1, repositoryId, owner: "o", repo: name })
    .returning({ id: projects.id });
  return row!.id;
}

describe("statements built once", () => {
  it("run with each call's values, on the database and inside a transaction, seeing the transaction's own writes", async () => {
    const first = await insertProject(1, "o/one");
    // Built on its first run, outside any transaction.
    expect((await projectByRepository(database.db, { repositoryId: 1 })).map((r) => r.id)).toEqual([first]);
    expect(await projectByRepository(database.db, { repositoryId: 2 })).toEqual([]);

    const later = new Date("2030-01-02T03:04:05.000Z");
    await expect(
      database.db.transaction(async (tx) => {
        const [renamed] = await rename(tx, { id: first, name: "o/renamed", updatedAt: later });
        expect(renamed).toEqual({ name: "o/renamed" });
        // The statement built on the database runs in the transaction's session: it sees the
        // uncommitted rename, and the mapped row (a Date for the timestamp).
        const [row] = await projectByRepository(tx, { repositoryId: 1 });
        expect(row).toEqual({ id: first, name: "o/renamed", updatedAt: later });
        await setting(tx, { value: "cw-prepared" });
        const [app] = await tx.select({ name: sql<string>`current_setting('application_name')` }).from(projects).limit(1);
        expect(app?.name).toBe("cw-prepared");
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    // Rolled back: the transaction's writes went through its own session.
    expect((await projectByRepository(database.db, { repositoryId: 1 }))[0]?.name).toBe("o/one");
  });

  it("sends null as NULL, as a built query does (a jsonb column holds SQL NULL, not a jsonb null)", async () => {
    const id = await insertProject(1, "o/one");
    const setConfig = statement<{ id: string; config: Record<string, unknown> | null; updatedAt: Date }, { isNull: boolean }[]>("test_config", (db) =>
      db
        .update(projects)
        .set({ config: columnValue("config", projects.config), updatedAt: columnValue("updatedAt", projects.updatedAt) })
        .where(eq(projects.id, sql.placeholder("id")))
        .returning({ isNull: sql<boolean>`${projects.config} is null` }),
    );
    expect(await setConfig(database.db, { id, config: { a: 1 }, updatedAt: new Date() })).toEqual([{ isNull: false }]);
    expect(await setConfig(database.db, { id, config: null, updatedAt: new Date() })).toEqual([{ isNull: true }]);
  });
});

describe("a Date inside a raw sql template", () => {
  it("is compared as the instant it is, in and out of a transaction, on both drivers (postgres.js once hung the connection on it)", async () => {
    const id = await insertProject(7, "dated");
    const stamped = new Date("2026-01-02T03:04:05.000Z");
    await database.db.update(projects).set({ updatedAt: stamped }).where(eq(projects.id, id));
    const newerThan = (at: Date) => database.db.select({ id: projects.id }).from(projects).where(sql`${projects.updatedAt} > ${at}`);
    expect(await newerThan(new Date("2026-01-02T03:04:04.000Z"))).toEqual([{ id }]);
    expect(await newerThan(stamped)).toEqual([]);
    const inTransaction = await database.db.transaction((tx) => tx.select({ id: projects.id }).from(projects).where(sql`${projects.updatedAt} = ${stamped}`));
    expect(inTransaction).toEqual([{ id }]);
    // The connection still answers afterwards.
    expect(await newerThan(new Date(0))).toEqual([{ id }]);
  });
});
