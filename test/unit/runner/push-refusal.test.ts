/**
 * The refusals GitHub answers a push with, as `git push --porcelain` shows them (stderr's
 * `remote:` lines, then the ref's status line): each is recognised, quoted in GitHub's words
 * and paired with what to do. The end-to-end test (test/e2e/push-refusal.test.ts) runs two of
 * them through a real push; these are the forms a local hook cannot produce.
 */
import { describe, expect, it } from "vitest";
import { pushRefusal } from "../../../src/runner/workspace/push-refusal.js";

const keep = (text: string) => text;
const status = (summary: string) => `!\tabc123:refs/heads/cw/issue-7-ci\t${summary}`;

describe("pushRefusal", () => {
  it("the Workflows permission: GitHub says it in the ref's status line", () => {
    const output = [
      "To https://github.com/acme/shop.git",
      "error: failed to push some refs to 'https://github.com/acme/shop.git'",
      status("[remote rejected] (refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission)"),
    ].join("\n");
    const refused = pushRefusal(output, keep);
    expect(refused?.said).toEqual([
      "[remote rejected] (refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission)",
    ]);
    expect(refused?.advice).toBe(
      "The app needs the Workflows permission (Repository permissions → Workflows: read & write) to push `.github/workflows/ci.yml`, or the change must leave that file alone.",
    );
  });

  it("GH001 names every file over the limit, spaces and all, and GitHub's older wording too", () => {
    const output = [
      "remote: error: GH001: Large files detected.        ",
      "remote: error: Trace: cbe0789ba14915c3d556c5a7f4c610ed",
      "remote: error: See http://git.io/iEPt8g for more information.",
      "remote: error: File data/my dump.db is 193.70 MB; this exceeds GitHub's file size limit of 100 MB",
      "remote: error: File `odd`.bin is 110.88 MB; this exceeds GitHub's file size limit of 100.00 MB",
      "remote: Resolving deltas: 100% (3/3), done.",
      status("[remote rejected] (pre-receive hook declined)"),
    ].join("\n");
    const refused = pushRefusal(output, keep);
    expect(refused?.said).toEqual([
      "error: GH001: Large files detected.",
      "error: Trace: cbe0789ba14915c3d556c5a7f4c610ed",
      "error: See http://git.io/iEPt8g for more information.",
      "error: File data/my dump.db is 193.70 MB; this exceeds GitHub's file size limit of 100 MB",
      "error: File `odd`.bin is 110.88 MB; this exceeds GitHub's file size limit of 100.00 MB",
      "[remote rejected] (pre-receive hook declined)",
    ]);
    expect(refused?.advice).toBe(
      "`data/my dump.db`, `'odd'.bin` are larger than GitHub allows (100 MB): remove them from the branch, or track them with Git LFS.",
    );
  });

  it("a protected branch (GH006) and a repository rule (GH013)", () => {
    const gh006 = pushRefusal(
      [
        "remote: error: GH006: Protected branch update failed for refs/heads/main.",
        "remote: error: Changes must be made through a pull request.",
        status("[remote rejected] (protected branch hook declined)"),
      ].join("\n"),
      keep,
    );
    expect(gh006?.advice).toMatch(/^The branch is protected/);
    expect(gh006?.said[0]).toBe("error: GH006: Protected branch update failed for refs/heads/main.");
    const gh013 = pushRefusal(
      [
        "remote: error: GH013: Repository rule violations found for refs/heads/cw/x.",
        "remote: - GITHUB PUSH PROTECTION",
        status("[remote rejected] (push declined due to repository rule violations)"),
      ].join("\n"),
      keep,
    );
    expect(gh013?.advice).toMatch(/^A repository rule/);
  });

  it("scrubs secrets from what it quotes; a moved branch or a network error is no refusal", () => {
    const refused = pushRefusal(
      [
        "remote: error: GH006: Protected branch update failed for refs/heads/main. token ghs_secret",
        status("[remote rejected] (protected branch hook declined)"),
      ].join("\n"),
      (t) => t.replaceAll("ghs_secret", "[redacted]"),
    );
    expect(refused?.said.join("\n")).not.toContain("ghs_secret");
    expect(pushRefusal(status("[rejected] (fetch first)"), keep)).toBeUndefined();
    expect(pushRefusal("fatal: unable to access 'https://github.com/acme/shop.git/': Could not resolve host: github.com", keep)).toBeUndefined();
  });
});
