/**
 * The mirror's branch tips read from its ref files must be what git itself answers, whether the
 * refs are loose, packed, packed and then moved loose, deleted, or nested in folders; what the
 * reader cannot vouch for (a symbolic ref) is left to git.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readRefFiles } from "../../src/runner/workspace/ref-files.js";
import { cleanupGitFixtures, createBareRemote, git } from "../support/git-fixtures.js";

afterEach(cleanupGitFixtures);

async function gitTips(dir: string, refs: string[]): Promise<Map<string, string>> {
  const out = await git(dir, ["for-each-ref", "--format=%(objectname) %(refname)", ...refs]);
  const tips = new Map<string, string>();
  for (const line of out.split("\n").filter(Boolean)) {
    const [sha, ref] = line.split(" ") as [string, string];
    if (refs.includes(ref)) tips.set(ref, sha);
  }
  return tips;
}

describe("readRefFiles", () => {
  it("answers as git does for loose, packed, updated, deleted and nested refs", async () => {
    const remote = await createBareRemote({ files: { "README.md": "# r\n" } });
    const dir = remote.path;
    const main = (await git(dir, ["rev-parse", "refs/heads/main"])).trim();
    await git(dir, ["update-ref", "refs/remotes/origin/cw/one", main]);
    await git(dir, ["update-ref", "refs/remotes/origin/cw/two", main]);
    await git(dir, ["pack-refs", "--all"]);
    // After packing: one moves on (a new loose file over its packed line), one is deleted.
    const tree = (await git(dir, ["rev-parse", "main^{tree}"])).trim();
    const next = (await git(dir, ["commit-tree", tree, "-p", main, "-m", "next"])).trim();
    await git(dir, ["update-ref", "refs/remotes/origin/cw/one", next]);
    await git(dir, ["update-ref", "-d", "refs/remotes/origin/cw/two"]);
    await git(dir, ["update-ref", "refs/remotes/origin/cw/deep/three", main]);

    const refs = [
      "refs/remotes/origin/cw/one",
      "refs/remotes/origin/cw/two",
      "refs/remotes/origin/cw/deep/three",
      "refs/remotes/origin/cw",
      "refs/heads/main",
      "refs/heads/absent",
    ];
    const fromFiles = await readRefFiles(dir, refs);
    expect(fromFiles).toEqual(await gitTips(dir, refs));
    expect(fromFiles?.get("refs/remotes/origin/cw/one")).toBe(next);
    expect(fromFiles?.has("refs/remotes/origin/cw/two")).toBe(false);
  });

  it("leaves a symbolic ref, a malformed file or a path outside refs/ to git", async () => {
    const remote = await createBareRemote({ files: { "README.md": "# r\n" } });
    const dir = remote.path;
    await git(dir, ["symbolic-ref", "refs/remotes/origin/HEAD", "refs/heads/main"]);
    expect(await readRefFiles(dir, ["refs/remotes/origin/HEAD"])).toBeUndefined();
    await writeFile(path.join(dir, "refs", "heads", "broken"), "not a sha\n");
    expect(await readRefFiles(dir, ["refs/heads/broken"])).toBeUndefined();
    expect(await readRefFiles(dir, ["refs/../config"])).toBeUndefined();
    expect(await readRefFiles(dir, ["HEAD"])).toBeUndefined();
  });
});
