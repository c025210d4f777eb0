/**
 * Project boards, bad input: settings that are not an organization project, boards the app
 * cannot use (each reported once, everything else working), a board of 1,200 cards, a card a
 * person deleted, and projects_v2_item events that must change nothing. No agent runs here.
 */
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { tasks } from "../../src/db/schema.js";
import { useBootedApp } from "../support/boot.js";
import { FakeGitHub } from "../support/fake-github/index.js";
import type { BoardSpec } from "../support/fake-github/projects.js";
import { APP_BOT } from "../support/fake-github/objects.js";
import { postDelivery } from "../support/github-app.js";
import { WRITER } from "../support/payloads.js";
import { install, statusOf } from "../support/flows.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const booted = useBootedApp();

const BOARD_URL = "https://github.com/orgs/Codertocat/projects/1";

async function setup(config: string, board?: BoardSpec) {
  const fake = new FakeGitHub();
  await install(booted, fake);
  fake.setFile(".github/codewalkers.yml", config);
  booted.app.services.repoConfig.forget(fake.fullName);
  const created = board ? fake.projects.create({ number: 1, ...board }) : undefined;
  const converge = () => fake.converge(booted.app.port, booted.settle);
  const node = (n: number) => `I_${fake.issue(n).id}`;
  return { fake, board: created!, converge, node };
}

const boardComments = (fake: FakeGitHub, n: number) => fake.commentsOn(n).filter((c) => c.body.includes("codewalkers:board:"));

describe("board settings", () => {
  it.each([
    ["a board URL that is not a URL", "board: projects one\n", "expected the URL of an organization's project"],
    ["a user's project", "board: https://github.com/users/octocat/projects/2\n", "user-owned projects"],
  ])("%s is an invalid config, reported where invalid configs are", async (_, config, reason) => {
    const { fake, converge } = await setup(config);
    const n = fake.openIssue({ title: "Fix it", labels: ["cw:run"] });
    await converge();
    const [comment] = fake.commentsOn(n).filter((c) => c.body.includes("codewalkers:config-error"));
    expect(comment!.body).toContain(reason);
    expect(fake.projects.writes).toEqual([]);
  });
});

describe("a milestone's board", () => {
  it("puts that initiative's issues on its board; an invalid one is reported as the milestone's block", async () => {
    const { fake, converge, node } = await setup("");
    const board = fake.projects.create({ number: 1 });
    const block = (url: string) => `Ship it.\n\n\`\`\`codewalkers\nboard: ${url}\n\`\`\`\n`;
    const m = fake.createMilestone({ title: "Checkout", description: block(BOARD_URL) });
    const bad = fake.createMilestone({ title: "Later", description: block("https://github.com/users/me/projects/1") });
    const inside = fake.openIssue({ title: "In", milestone: m, labels: ["cw:run"] });
    const outside = fake.openIssue({ title: "Out", labels: ["cw:run"] });
    const later = fake.openIssue({ title: "Later", milestone: bad, labels: ["cw:run"] });
    await converge();
    expect(fake.projects.card(board, node(inside))).toEqual({ Status: "Todo" });
    expect(fake.projects.card(board, node(outside))).toBeUndefined();
    expect(fake.projects.card(board, node(later))).toBeUndefined();
    const [comment] = fake.commentsOn(later).filter((c) => c.body.includes("codewalkers:milestone-settings"));
    expect(comment!.body).toContain("user-owned projects");
  });
});

describe("boards the app cannot use", () => {
  it.each<[string, BoardSpec, string]>([
    ["a project number that does not exist", { number: 7 }, "knows no project number 1"],
    ["a project the organization did not grant access to", { access: "forbidden" }, "Projects (read and write)"],
    ["a board without a Status field", { statusOptions: null }, "has no `Status` field"],
    ["a Status with none of the known options", { statusOptions: ["Backlog", "Doing", "Shipped"] }, "none of the options"],
    ["a Status field of the wrong type", { statusOptions: null, fields: [{ name: "Status", dataType: "TEXT" }] }, "is a text field"],
  ])("%s is reported once; tasks still work", async (_, spec, reason) => {
    const { fake, converge } = await setup(`board: ${BOARD_URL}\n`, spec);
    const t1 = fake.openIssue({ title: "One", labels: ["cw:run"] });
    const t2 = fake.openIssue({ title: "Two", labels: ["cw:run"] });
    await converge();
    fake.editIssue(t2, { body: "more" }, WRITER);
    await converge();
    expect(statusOf(fake, t1)).toEqual(["cw:ready"]);
    expect(statusOf(fake, t2)).toEqual(["cw:ready"]);
    const comments = [...boardComments(fake, t1), ...boardComments(fake, t2)];
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(reason);
    expect(fake.projects.writes).toEqual([]);
  });

  it("a field of the wrong type is left alone and said once; the rest is kept current", async () => {
    const { fake, board, converge, node } = await setup(`board: ${BOARD_URL}\n`, { fields: [{ name: "Attempts", dataType: "TEXT" }] });
    const t1 = fake.openIssue({ title: "One", labels: ["cw:run"] });
    await converge();
    expect(fake.projects.card(board, node(t1))).toEqual({ Status: "Todo" });
    const [comment] = boardComments(fake, t1);
    expect(comment!.body).toContain("the `Attempts` field is a text field");
  });
});

describe("cards", () => {
  it("a board of 1,200 cards is read page by page: an issue already on it is adopted, not added or written again", async () => {
    const { fake, board, converge, node } = await setup(`board: ${BOARD_URL}\n`, { statusOptions: ["Todo", "Ready", "In Progress", "Done"] });
    const t1 = fake.openIssue({ title: "One" });
    for (let i = 0; i < 1150; i++) fake.projects.addCard(board, `DI_${i}`, WRITER, "DraftIssue");
    fake.projects.addCard(board, node(t1), WRITER);
    fake.projects.moveCard(board, node(t1), "Ready", WRITER);
    for (let i = 1150; i < 1199; i++) fake.projects.addCard(board, `DI_${i}`, WRITER, "DraftIssue");
    fake.dropWebhooks(); // before the config: the app hears nothing of these
    fake.addLabels(t1, ["cw:run"], WRITER);
    await converge();
    expect(board.items).toHaveLength(1200);
    expect(fake.projects.writes).toEqual([]);
    const pages = fake.requests.filter((r) => r.route === "POST /graphql" && String((r.body as { query?: string }).query).includes("BoardItems"));
    expect(pages).toHaveLength(12);
  });

  it("a card a person deleted comes back on the next status change, not before", async () => {
    const { fake, board, converge, node } = await setup(`board: ${BOARD_URL}\n`, { statusOptions: ["Todo", "Blocked", "Ready", "Done"] });
    const t1 = fake.openIssue({ title: "One", labels: ["cw:run"] });
    const blocker = fake.openIssue({ title: "Blocker" });
    await converge();
    expect(fake.projects.card(board, node(t1))).toEqual({ Status: "Ready" });
    fake.projects.deleteCard(board, node(t1), WRITER);
    await converge();
    fake.editIssue(t1, { body: "still here" }, WRITER);
    await converge();
    expect(fake.projects.card(board, node(t1))).toBeUndefined();
    fake.addBlockedBy(t1, blocker);
    await converge();
    expect(fake.projects.card(board, node(t1))).toEqual({ Status: "Blocked" });
    expect(fake.projects.writes.filter((w) => w.op === "add")).toHaveLength(2);
  });

  it("a status that changes several times in one burst is written once", async () => {
    const { fake, board, converge, node } = await setup(`board: ${BOARD_URL}\n`, { statusOptions: ["Todo", "Blocked", "Ready", "Done"] });
    const t1 = fake.openIssue({ title: "One", labels: ["cw:run"] });
    const [b1, b2] = [fake.openIssue({ title: "B1" }), fake.openIssue({ title: "B2" })];
    await converge();
    const before = fake.projects.writes.length;
    fake.addBlockedBy(t1, b1); // blocked
    fake.closeIssue(b1); // ready again
    fake.addBlockedBy(t1, b2); // blocked
    await converge();
    expect(fake.projects.writes.slice(before)).toEqual([expect.objectContaining({ field: "Status", value: "Blocked" })]);
    expect(fake.projects.card(board, node(t1))).toEqual({ Status: "Blocked" });
  });

  it("events about drafts, pull requests, other repositories' issues, from bots, or replayed, change nothing more than once", async () => {
    const { fake, board, converge, node } = await setup(`board: ${BOARD_URL}\n`, { statusOptions: ["Todo", "Ready", "In Progress", "Done"] });
    const t1 = fake.openIssue({ title: "One", labels: ["cw:run"] });
    await converge();
    fake.removeLabel(t1, "cw:run", WRITER);
    await converge();
    const writesBefore = fake.projects.writes.length;

    fake.projects.addCard(board, "DI_draft", WRITER, "DraftIssue");
    fake.projects.moveCard(board, "DI_draft", "Ready", WRITER);
    fake.projects.addCard(board, "PR_kwDOpull", WRITER, "PullRequest");
    fake.projects.moveCard(board, "PR_kwDOpull", "Ready", WRITER);
    fake.projects.addCard(board, "I_elsewhere", WRITER);
    fake.projects.moveCard(board, "I_elsewhere", "Ready", WRITER);
    fake.projects.moveCard(board, node(t1), "Ready", APP_BOT); // a bot (here, as the app) moves nothing
    await converge();
    const [still] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, t1));
    expect(still!.status).toBe("cancelled");
    expect(fake.projects.writes.length).toBe(writesBefore);

    // A writer's drag, delivered twice: started once, labelled once.
    fake.projects.moveCard(board, node(t1), "Todo", WRITER);
    await converge();
    fake.projects.moveCard(board, node(t1), "Ready", WRITER);
    const [drag] = fake.dropWebhooks();
    await postDelivery(booted.app.port, drag!.event, drag!.payload);
    await postDelivery(booted.app.port, drag!.event, drag!.payload);
    await converge();
    const [started] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, t1));
    expect(started!.status).toBe("pending");
    expect(fake.labelsOf(t1)).toContain("cw:run");
    expect(
      fake.requests.filter(
        (r) => r.route === "POST /repos/{owner}/{repo}/issues/{issue_number}/labels" && (r.body as { labels?: string[] }).labels?.includes("cw:run"),
      ),
    ).toHaveLength(1);
    expect(fake.projects.card(board, node(t1))).toEqual({ Status: "Ready" });
    expect(fake.projects.writes.filter((w) => w.redundant)).toEqual([]);
  });
});
