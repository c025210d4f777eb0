/**
 * A change set that cannot be applied in full ends `failed` instead of `applying` for ever, with
 * the reason in its one comment, and `/cw revert` undoes what it made: GitHub refusing one
 * creation for good (422), the milestone deleted while issues were still to be created, pages
 * the remote refuses for good (a protected branch).
 */
import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { changeSetEntries, changeSets, outbox } from "../../src/db/schema.js";
import { recordIntents } from "../../src/core/commands/record-intents.js";
import { useFakeAgentApp } from "../support/fake-agent-app.js";
import type { FakeGitHub } from "../support/fake-github/index.js";
import { readFileAt } from "../support/git-fixtures.js";
import { installedRepository } from "../support/flows.js";
import { planBody } from "../support/plan-scripts.js";
import { useStrictNock } from "../support/strict-nock.js";
import { INSTALLATION_ID, OWNER, REPO } from "../support/payloads.js";

useStrictNock();
const { booted } = useFakeAgentApp("cw-plan-fail-");

const CREATE = "POST /repos/{owner}/{repo}/issues";

const titled = (fake: FakeGitHub, title: string) => [...fake.repositories[0]!.issues.values()].find((i) => i.title === title);

async function theChangeSet() {
  const [cs] = await booted.database.db.select().from(changeSets);
  if (!cs) throw new Error("no change set");
  return cs;
}

/** The planning agent runs (its change set is recorded, applying); no other round of the runner (pages, tasks) follows here. */
async function planned(fake: FakeGitHub, milestone: number, plan: unknown): Promise<number> {
  const planIssue = fake.openIssue({ title: "Plan it", milestone, labels: ["cw:plan", "cw:run"], body: planBody(plan) });
  await fake.converge(booted.app.port, booted.settle);
  expect(await booted.app.dispatcher.dispatchOnce()).toBe(1);
  await booted.app.dispatcher.idle();
  return planIssue;
}

/** One turn of each worker (webhooks, processor, reconcile, outbox), until `ok` holds. */
async function stepUntil(fake: FakeGitHub, what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  for (let turn = 0; turn < 40; turn++) {
    if (await ok()) return;
    await fake.deliver(booted.app.port);
    await booted.app.processor.drain();
    await booted.app.reconcile.drain();
    await booted.app.outbox.drain();
  }
  throw new Error(`never happened: ${what}`);
}

/** The change set's one comment on its planning issue. */
function changeSetComment(fake: FakeGitHub, planIssue: number, id: string): string {
  const comments = fake.commentsOn(planIssue).filter((c) => c.body.includes(`change-set:${id}`));
  expect(comments).toHaveLength(1);
  return comments[0]!.body;
}

async function pendingRowsOf(changeSetId: string) {
  return booted.database.db
    .select()
    .from(outbox)
    .where(
      sql`${outbox.status} = 'pending' and ${outbox.payload} ->> 'entryId' in (select id from ${changeSetEntries} where ${changeSetEntries.changeSetId} = ${changeSetId})`,
    );
}

describe("a change set that cannot be applied in full", () => {
  it("GitHub refusing one creation for good (422): failed, said once on the plan issue; /cw revert closes what was made and withdraws what waits", {
    timeout: 90_000,
  }, async () => {
    const { fake } = await installedRepository(booted, { "README.md": "# Shop\n" });
    const m = fake.createMilestone({ title: "Checkout" });
    const planIssue = await planned(fake, m, {
      phases: [{ key: "p", title: "Cart" }],
      tasks: [
        { key: "t1", phase: "p", title: "Cart model" },
        { key: "t3", phase: "p", title: "Cart totals" },
        { key: "t2", phase: "p", title: "Cart view", dependsOn: ["t1"] },
      ],
    });
    expect((await theChangeSet()).status).toBe("applying");

    // The phase is created; then GitHub refuses the first task for good.
    await stepUntil(fake, "the phase created", () => titled(fake, "Cart") !== undefined);
    fake.failNext(CREATE, {
      status: 422,
      body: { message: "Validation Failed", errors: [{ resource: "Issue", code: "custom", field: "body", message: "body is too long" }] },
    });
    await stepUntil(fake, "the change set failed", async () => (await theChangeSet()).status === "failed");
    await fake.converge(booted.app.port, booted.settle);

    const cs = await theChangeSet();
    expect(cs.failure).toContain('"Cart model"');
    expect(cs.failure).toContain("could not create it (permanent 422: Validation Failed)");
    expect(titled(fake, "Cart model")).toBeUndefined();
    expect(titled(fake, "Cart view")).toBeUndefined(); // it names Cart model: never created
    const phase = titled(fake, "Cart")!;
    const totals = titled(fake, "Cart totals")!;
    expect(totals).toBeDefined();
    const body = changeSetComment(fake, planIssue, cs.id);
    expect(body).toContain(`Change set \`${cs.id}\`** by`);
    expect(body).toContain("failed");
    expect(body).toContain("Cart model");
    expect(body).toContain("422");
    expect(body).toContain(`/cw revert ${cs.id}`);
    expect(await pendingRowsOf(cs.id)).toEqual([]);
    const creates = fake.requests.filter((r) => r.route === CREATE).length;

    // /cw apply cannot take it further.
    fake.comment(planIssue, `/cw apply ${cs.id}`);
    await fake.converge(booted.app.port, booted.settle);
    expect(fake.commentsOn(planIssue).some((c) => c.body.includes(`Change set \`${cs.id}\` failed`))).toBe(true);

    // A write of it still waits (as a retry put back would): the revert withdraws it, then undoes the rest.
    const [viewEntry] = await booted.database.db.select().from(changeSetEntries).where(eq(changeSetEntries.key, "t2"));
    await recordIntents(booted.database.db, [
      {
        kind: "create-planned-issue",
        repo: { owner: OWNER, repo: REPO, installationId: INSTALLATION_ID },
        entryId: viewEntry!.id,
        marker: "<!-- codewalkers:plan:late -->",
        title: "Cart view",
        body: "Late.",
        labels: [],
        milestone: m,
      },
    ]);
    expect(await pendingRowsOf(cs.id)).toHaveLength(1);
    fake.comment(planIssue, `/cw revert ${cs.id}`);
    await fake.converge(booted.app.port, booted.settle);
    expect(await pendingRowsOf(cs.id)).toEqual([]);
    expect(
      await booted.database.db
        .select()
        .from(outbox)
        .where(eq(outbox.targetKey, `planned-issue:${OWNER}/${REPO}:${viewEntry!.id}`)),
    ).toEqual([]);
    expect(fake.requests.filter((r) => r.route === CREATE)).toHaveLength(creates);
    expect(fake.issue(phase.number)).toMatchObject({ state: "closed", stateReason: "not_planned" });
    expect(fake.issue(totals.number)).toMatchObject({ state: "closed", stateReason: "not_planned" });
    const reply = fake
      .commentsOn(planIssue)
      .map((c) => c.body)
      .find((t) => t.includes(`Reverting change set \`${cs.id}\``));
    expect(reply).toContain(`#${totals.number} Cart totals: closed as not planned`);
    expect(reply).toContain("2 planned issues were never created");
    expect((await theChangeSet()).status).toBe("reverted");
  });

  it("the milestone deleted while issues are still to be created: failed, and the reason said", { timeout: 90_000 }, async () => {
    const { fake } = await installedRepository(booted, { "README.md": "# Shop\n" });
    const m = fake.createMilestone({ title: "Search" });
    const planIssue = await planned(fake, m, { phases: [{ key: "p", title: "Index" }], tasks: [{ key: "t", phase: "p", title: "Tokenizer" }] });
    await stepUntil(fake, "the phase created", () => titled(fake, "Index") !== undefined);
    fake.deleteMilestone(m);
    await stepUntil(fake, "the change set failed", async () => (await theChangeSet()).status === "failed");
    await fake.converge(booted.app.port, booted.settle);

    const cs = await theChangeSet();
    expect(cs.failure).toContain('Task "Tokenizer" (`t`): never created, because the milestone was deleted first');
    expect(titled(fake, "Tokenizer")).toBeUndefined();
    expect(changeSetComment(fake, planIssue, cs.id)).toContain("the milestone was deleted first");

    // The planning issue is in no milestone any more: its revert is still heard there.
    fake.comment(planIssue, `/cw revert ${cs.id}`);
    await fake.converge(booted.app.port, booted.settle);
    expect(fake.issue(titled(fake, "Index")!.number)).toMatchObject({ state: "closed", stateReason: "not_planned" });
  });

  it("pages the remote refuses for good (a protected branch): failed with the remote's reason; the phase it made is reverted", {
    timeout: 90_000,
  }, async () => {
    const { fake, remote } = await installedRepository(booted, { "README.md": "# Shop\n" });
    // The initiative branch may be made, but no commit that adds its pages may land.
    const hook = path.join(remote.path, "hooks", "pre-receive");
    writeFileSync(
      hook,
      [
        "#!/bin/sh",
        "while read old new ref; do",
        '  if git ls-tree -r --name-only "$new" | grep -q "^docs/initiatives/"; then',
        '    echo "error: GH006: Protected branch update failed for $ref." >&2',
        "    exit 1",
        "  fi",
        "done",
        "",
      ].join("\n"),
    );
    chmodSync(hook, 0o755);
    const m = fake.createMilestone({ title: "Reports" });
    // A phase runs no agent: the runner's next round only commits the pages.
    const planIssue = await planned(fake, m, {
      phases: [{ key: "p", title: "Exports" }],
      pages: [{ path: "overview.md", title: "Reports", body: "First draft." }],
    });
    await stepUntil(fake, "the phase created", () => titled(fake, "Exports") !== undefined);
    expect(await booted.app.dispatcher.drain()).toBe(0); // the round that commits the pages, refused
    await stepUntil(fake, "the change set failed", async () => (await theChangeSet()).status === "failed");
    await fake.converge(booted.app.port, booted.settle);

    const cs = await theChangeSet();
    expect(cs.pagesState).toBe("failed");
    expect(cs.failure).toContain("its pages could not be committed to `cw/reports`");
    expect(cs.failure).toContain("GH006");
    expect(changeSetComment(fake, planIssue, cs.id)).toContain("GH006");
    expect(await readFileAt(remote, "cw/reports", "docs/initiatives/reports/overview.md")).toBeUndefined();

    fake.comment(planIssue, `/cw revert ${cs.id}`);
    await fake.converge(booted.app.port, booted.settle);
    expect(fake.issue(titled(fake, "Exports")!.number)).toMatchObject({ state: "closed", stateReason: "not_planned" });
    expect((await theChangeSet()).pagesState).toBe("none");
  });
});
