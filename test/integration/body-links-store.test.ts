import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { asc } from "drizzle-orm";
import { issueLinks, projects } from "../../src/db/schema.js";
import { replaceBodyLinks } from "../../src/db/issue-links.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

let database: TestDatabase;
let projectId: string;
beforeAll(async () => {
  database = await createTestDatabase();
});
beforeEach(async () => {
  await database.truncateAll();
  const [project] = await database.db.insert(projects).values({ name: "octo/app", url: "https://github.com/octo/app.git" }).returning();
  projectId = project!.id;
});
afterAll(async () => database.close());

const links = () =>
  database.db
    .select({ to: issueLinks.toNumber, repo: issueLinks.toRepo, state: issueLinks.toState, verified: issueLinks.verified })
    .from(issueLinks)
    .orderBy(asc(issueLinks.toNumber));

describe("storing an issue body's dependency lines", () => {
  it("stores each line once, even when the body names an issue twice", async () => {
    await replaceBodyLinks(database.db, projectId, 10, [
      { toRepo: "octo/app", toNumber: 2, toState: "open", verified: false },
      { toRepo: "octo/app", toNumber: 2, toState: "closed", verified: true },
      { toRepo: "octo/other", toNumber: 3, toState: "open", verified: false },
    ]);
    expect(await links()).toEqual([
      { to: 2, repo: "octo/app", state: "closed", verified: true },
      { to: 3, repo: "octo/other", state: "open", verified: false },
    ]);
  });

  it("keeps what is known of a target when the line is stated again without knowing it; drops lines no longer there", async () => {
    await replaceBodyLinks(database.db, projectId, 10, [
      { toRepo: "octo/app", toNumber: 2, toState: "closed", verified: true },
      { toRepo: "octo/app", toNumber: 4, toState: "open", verified: false },
    ]);
    await replaceBodyLinks(database.db, projectId, 10, [{ toRepo: "octo/app", toNumber: 2, toState: "open", verified: false }]);
    expect(await links()).toEqual([{ to: 2, repo: "octo/app", state: "closed", verified: true }]);
    await replaceBodyLinks(database.db, projectId, 10, [{ toRepo: "octo/app", toNumber: 2, toState: "open", verified: true }]);
    expect(await links()).toEqual([{ to: 2, repo: "octo/app", state: "open", verified: true }]);
    await replaceBodyLinks(database.db, projectId, 10, []);
    expect(await links()).toEqual([]);
  });
});
