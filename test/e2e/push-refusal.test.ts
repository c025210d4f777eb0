/**
 * A push GitHub refuses for good (issue #10): the task fails at once — one agent run, no retry —
 * and its one comment quotes GitHub's reason and says what to do. The remote is a local bare
 * repository whose `pre-receive` hook answers as GitHub does, in GitHub's own words, when the
 * pushed commit holds the file GitHub would refuse.
 */
import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { agents, tasks } from "../../src/db/schema.js";
import { APP_BOT } from "../support/fake-github/index.js";
import { useFakeAgentApp } from "../support/fake-agent-app.js";
import { fakeAgentScript, installedRepository, runUntilQuiet, statusOf } from "../support/flows.js";
import { branchSha, type BareRemote } from "../support/git-fixtures.js";
import { WRITER } from "../support/payloads.js";
import { useStrictNock } from "../support/strict-nock.js";

useStrictNock();
// Retries allowed: a refusal that were taken for a passing failure would run the agent again.
const { booted } = useFakeAgentApp("cw-push-refusal-", { config: { maxAgents: 1 }, runner: { maxRetries: 2 } });

/** GitHub's words, as `git push` shows them (each line is printed after `remote: `). */
const WORKFLOW_REFUSAL = "refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission";
const LARGE_FILE_REFUSAL = [
  "error: Trace: 4d8e35248ebbf5e8e2ea71623e57e0b8fd5ffa09c0dff8db962e59d51823aad6",
  "error: See https://gh.io/lfs for more information.",
  "error: File big.bin is 120.00 MB; this exceeds GitHub's file size limit of 100.00 MB",
  "error: GH001: Large files detected. You may want to try Git Large File Storage - https://git-lfs.github.com.",
];

/**
 * A `pre-receive` hook that refuses, with `lines`, every update whose commit holds `file`, and
 * lets every other push through (the branches the app makes before the agent's commit).
 */
function refuseCommitsWith(remote: BareRemote, file: string, lines: readonly string[]): void {
  const hook = path.join(remote.path, "hooks", "pre-receive");
  const say = lines.map((line) => `    printf '%s\\n' '${line.replaceAll("'", `'\\''`)}' >&2`).join("\n");
  writeFileSync(
    hook,
    `#!/bin/sh
while read old new ref; do
  if [ "$new" != "0000000000000000000000000000000000000000" ] && git cat-file -e "$new:${file}" 2>/dev/null; then
${say}
    exit 1
  fi
done
exit 0
`,
  );
  chmodSync(hook, 0o755);
}

async function taskFor(issueNumber: number) {
  const [task] = await booted.database.db.select().from(tasks).where(eq(tasks.issueNumber, issueNumber));
  return task!;
}

/** Runs a standalone task whose agent writes `files`, against a remote that refuses them. */
async function refusedRun(file: string, lines: readonly string[], files: Record<string, string>) {
  const { fake, remote } = await installedRepository(booted, { "README.md": "# Refused\n" });
  refuseCommitsWith(remote, file, lines);
  const n = fake.openIssue({ title: "Touch what GitHub guards", body: fakeAgentScript({ behavior: "edit", files, summary: "Wrote the files." }) });
  fake.addLabels(n, ["cw:run"], WRITER);
  await runUntilQuiet(booted, fake);
  const task = await taskFor(n);
  const runs = await booted.database.db.select().from(agents).where(eq(agents.taskId, task.id));
  const said = fake.commentsOn(n).filter((c) => c.user.login === APP_BOT.login && !c.deleted);
  return { fake, remote, n, task, runs, said };
}

describe("a push GitHub refuses for good", () => {
  it("a workflow file without the Workflows permission: failed at once, GitHub's reason quoted, what to do said", async () => {
    const { fake, remote, n, task, runs, said } = await refusedRun(".github/workflows/ci.yml", [WORKFLOW_REFUSAL], {
      ".github/workflows/ci.yml": "on: push\njobs: {}\n",
      "src.txt": "work\n",
    });
    expect(runs).toHaveLength(1);
    expect(task).toMatchObject({ status: "failed", retryCount: 0, runAfter: null });
    expect(task.lastError).toContain(WORKFLOW_REFUSAL);
    expect(statusOf(fake, n)).toEqual(["cw:failed"]);
    expect(said).toHaveLength(1);
    expect(said[0]!.body).toContain(WORKFLOW_REFUSAL);
    expect(said[0]!.body).toContain("Workflows permission (Repository permissions → Workflows: read & write)");
    expect(said[0]!.body).toContain("`/cw retry`");
    // Nothing landed, and nothing waits to run again.
    expect(await branchSha(remote, task.branch ?? "cw/none")).toBeUndefined();
    await runUntilQuiet(booted, fake);
    expect(await booted.database.db.select().from(agents).where(eq(agents.taskId, task.id))).toHaveLength(1);
  });

  it("a file over 100 MB (GH001): failed at once, GitHub's reason quoted, the file named, Git LFS suggested", async () => {
    const { fake, n, task, runs, said } = await refusedRun("big.bin", LARGE_FILE_REFUSAL, { "big.bin": "pretend this is 120 MB\n" });
    expect(runs).toHaveLength(1);
    expect(task).toMatchObject({ status: "failed", retryCount: 0, runAfter: null });
    expect(statusOf(fake, n)).toEqual(["cw:failed"]);
    expect(said).toHaveLength(1);
    const body = said[0]!.body;
    expect(body).toContain("GH001: Large files detected. You may want to try Git Large File Storage - https://git-lfs.github.com.");
    expect(body).toContain("File big.bin is 120.00 MB; this exceeds GitHub's file size limit of 100.00 MB");
    expect(body).toContain("`big.bin` is larger than GitHub allows (100 MB): remove it from the branch, or track it with Git LFS.");
    expect(body).toContain("`/cw retry`");
  });
});
