/**
 * Storing an issue body's dependency lines (replaceBodyLinks): one statement that replaces the
 * lines, knows the state of the issues the app tracks, and keeps what was learnt of the others.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import { initiatives, issueLinks, phases, projects, tasks } from "../../src/db/schema.js";
import { replaceBodyLinks } from "../../src/db/issue-links.js";
import { bodyRefsOf } from "../../src/webhooks/body-links.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

let database: TestDatabase;
let project: { id: string; name: string };
beforeAll(async () => {
  database = await createTestDatabase();
});
beforeEach(async () => {
  await database.truncateAll();
  const [row] = await database.db.insert(projects).values({ name: "octo/app", url: "https://github.com/octo/app.git" }).returning();
  project = { id: row!.id, name: row!.name };
});
afterAll(async () => database.close());

const links = () =>
  database.db
    .select({ from: issueLinks.fromNumber, to: issueLinks.toNumber, repo: issueLinks.toRepo, state: issueLinks.toState, verified: issueLinks.verified })
    .from(issueLinks)
    .orderBy(asc(issueLinks.fromNumber), asc(issueLinks.toRepo), asc(issueLinks.toNumber));

describe("storing an issue body's dependency lines", () => {
  it("stores each line once, even when the body names an issue twice; the issue itself is never a line", async () => {
    const refs = bodyRefsOf(project, { number: 10, body: "Depends on #2\nBlocked by #2\nDepends on octo/other#3\nDepends on #10" });
    expect(refs).toEqual([
      { toRepo: "octo/app", toNumber: 2 },
      { toRepo: "octo/other", toNumber: 3 },
    ]);
    await replaceBodyLinks(database.db, project, 10, [...refs, { toRepo: "Octo/App", toNumber: 2 }]);
    expect(await links()).toEqual([
      { from: 10, to: 2, repo: "octo/app", state: "open", verified: false },
      { from: 10, to: 3, repo: "octo/other", state: "open", verified: false },
    ]);
  });

  it("knows the state of an issue of this repository the app tracks, as a task or a phase; not of one elsewhere with the same number", async () => {
    await database.db.insert(tasks).values({ projectId: project.id, issueNumber: 2, name: "Two", issueState: "closed" });
    const [initiative] = await database.db.insert(initiatives).values({ projectId: project.id, name: "M", milestoneNumber: 1 }).returning();
    await database.db.insert(phases).values({ projectId: project.id, issueNumber: 4, name: "Four", issueState: "open", initiativeId: initiative!.id });
    await replaceBodyLinks(database.db, project, 10, [
      { toRepo: "Octo/App", toNumber: 2 },
      { toRepo: "octo/app", toNumber: 4 },
      { toRepo: "octo/other", toNumber: 2 },
    ]);
    expect(await links()).toEqual([
      { from: 10, to: 2, repo: "Octo/App", state: "closed", verified: true },
      { from: 10, to: 4, repo: "octo/app", state: "open", verified: true },
      { from: 10, to: 2, repo: "octo/other", state: "open", verified: false },
    ]);
  });

  it("keeps what is known of an issue when the line is stated again without knowing it; drops lines no longer there, and only this issue's", async () => {
    await replaceBodyLinks(database.db, project, 11, [{ toRepo: "octo/app", toNumber: 2 }]);
    await replaceBodyLinks(database.db, project, 10, [
      { toRepo: "octo/app", toNumber: 2 },
      { toRepo: "octo/other", toNumber: 4 },
    ]);
    // A webhook about octo/other#4 taught its state.
    await database.db.update(issueLinks).set({ toState: "closed", verified: true }).where(eq(issueLinks.toNumber, 4));
    await replaceBodyLinks(database.db, project, 10, [{ toRepo: "OCTO/other", toNumber: 4 }]);
    expect(await links()).toEqual([
      { from: 10, to: 4, repo: "octo/other", state: "closed", verified: true },
      { from: 11, to: 2, repo: "octo/app", state: "open", verified: false },
    ]);
    // Tracked now: stated again, the line learns its state.
    await database.db.insert(tasks).values({ projectId: project.id, issueNumber: 2, name: "Two", issueState: "closed" });
    await replaceBodyLinks(database.db, project, 11, [{ toRepo: "octo/app", toNumber: 2 }]);
    expect((await links()).find((l) => l.from === 11)).toEqual({ from: 11, to: 2, repo: "octo/app", state: "closed", verified: true });
    await replaceBodyLinks(database.db, project, 10, []);
    expect((await links()).map((l) => l.from)).toEqual([11]);
  });
});
