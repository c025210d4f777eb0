/**
 * check_suite.completed, on GitHub's own example payload (@octokit/webhooks-examples, given an
 * installation): a passing suite retries the merge of the app's pull request that was approved
 * on exactly that head and waits for the repository's rules; nothing else is touched and, with
 * nothing waiting, nothing is sent. Strict nock: every request the app makes must be expected.
 */
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { outbox, pullRequests, webhookDeliveries } from "../../src/db/schema.js";
import { upsertProject } from "../../src/core/commands/upsert-project.js";
import { useBootedApp } from "../support/boot.js";
import { examplePayload } from "../support/fixtures.js";
import { postDelivery } from "../support/github-app.js";
import { github, mockInstallationToken, recordedRequests, useStrictNock } from "../support/strict-nock.js";

useStrictNock();
const booted = useBootedApp();

const INSTALLATION_ID = 7_700_001;

interface CheckSuitePayload {
  check_suite: { head_sha: string; conclusion: string | null };
  repository: { id: number; node_id: string; full_name: string; clone_url: string; default_branch: string; private: boolean };
  installation?: { id: number };
}

/** The example, sent as an installed app receives it, and the repository it names recorded as installed. */
async function exampleSuite(conclusion = "success"): Promise<{ payload: CheckSuitePayload; projectId: string }> {
  const payload = examplePayload<CheckSuitePayload>("check_suite", "completed");
  payload.installation = { id: INSTALLATION_ID };
  payload.check_suite.conclusion = conclusion;
  const r = payload.repository;
  const project = await upsertProject(booted.database.db, {
    repositoryId: r.id,
    nodeId: r.node_id,
    fullName: r.full_name,
    cloneUrl: r.clone_url,
    defaultBranch: r.default_branch,
    private: r.private,
    installationId: INSTALLATION_ID,
  });
  // Not what this test is about: the label definitions a new repository gets.
  await booted.database.db.delete(outbox);
  return { payload, projectId: project.id };
}

async function waitingPr(projectId: string, number: number, head: string, sha: string, approvedSha = sha) {
  await booted.database.db.insert(pullRequests).values({
    projectId,
    kind: "phase",
    subjectId: `phase-${number}`,
    head,
    base: "cw/launch",
    number,
    nodeId: `PR_${number}`,
    headSha: sha,
    state: "open",
    draft: false,
    approvedSha,
    approvedBy: "octo-writer",
    mergeBlockedReason: "Waiting to merge: Pull Request is not mergeable.",
  });
}

describe("check_suite.completed", () => {
  it("retries the merge waiting on exactly that head, with the same guard", async () => {
    const { payload, projectId } = await exampleSuite();
    const sha = payload.check_suite.head_sha;
    await waitingPr(projectId, 7, "cw/launch--phase-3", sha);
    await waitingPr(projectId, 8, "cw/launch--phase-4", "0".repeat(40)); // another head: not this suite's
    await waitingPr(projectId, 9, "cw/launch--phase-5", sha, "1".repeat(40)); // approved on an older commit
    mockInstallationToken(INSTALLATION_ID);
    github()
      .put("/repos/Codertocat/Hello-World/pulls/7/merge")
      .reply(200, { sha: "2".repeat(40), merged: true, message: "Pull Request successfully merged" });

    expect((await postDelivery(booted.app.port, "check_suite", payload)).status).toBe(202);
    await booted.settle();

    const merges = recordedRequests().filter((r) => r.method === "PUT");
    expect(merges).toEqual([{ method: "PUT", path: "/repos/Codertocat/Hello-World/pulls/7/merge", body: { sha, merge_method: "squash" } }]);
    const rows = await booted.database.db.select().from(pullRequests).where(eq(pullRequests.projectId, projectId));
    expect(rows.filter((r) => r.merged).map((r) => r.number)).toEqual([7]);
  });

  it("does nothing for a failing suite, or when nothing waits on its head", async () => {
    const failing = await exampleSuite("failure");
    await waitingPr(failing.projectId, 7, "cw/launch--phase-3", failing.payload.check_suite.head_sha);
    expect((await postDelivery(booted.app.port, "check_suite", failing.payload)).status).toBe(202);
    await booted.settle();
    await booted.database.db.delete(pullRequests);
    const passing = await exampleSuite();
    expect((await postDelivery(booted.app.port, "check_suite", passing.payload)).status).toBe(202);
    await booted.settle();

    expect(recordedRequests()).toEqual([]);
    expect(await booted.database.db.select().from(outbox)).toEqual([]);
    const deliveries = await booted.database.db.select().from(webhookDeliveries);
    expect(deliveries.map((d) => [d.event, d.status])).toEqual([
      ["check_suite", "done"],
      ["check_suite", "done"],
    ]);
  });
});
