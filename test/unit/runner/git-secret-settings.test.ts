/**
 * The installation token never rides on git's command line: any user of the host can read a
 * process's command line (/proc/<pid>/cmdline), and in containment's sudo and setpriv modes
 * agents share the host's PID namespace. It goes in git's environment instead, which only the
 * runner's own user can read (`run-git.ts` `configEnv`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { basicAuthorization, gitAuthArgs } from "../../../src/runner/workspace/git-auth.js";
import { configEnv, gitInvocation, runGit } from "../../../src/runner/workspace/run-git.js";

const TOKEN = "ghs_secretinstallationtoken0000000000000";
const REMOTE = "https://github.com/acme/widgets.git";
const scratch = mkdtempSync(path.join(os.tmpdir(), "cw-git-secret-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("git's secret settings", () => {
  it("are in git's environment, not on its command line", () => {
    const { argv, env } = gitInvocation({ cwd: scratch, auth: gitAuthArgs(REMOTE, TOKEN), args: ["fetch", "origin"] });
    const encoded = basicAuthorization(TOKEN).slice("Basic ".length);
    expect(argv.join(" ")).not.toContain(encoded);
    expect(argv.join(" ")).not.toContain("extraHeader");
    expect(argv.slice(-2)).toEqual(["fetch", "origin"]);
    expect(env).toMatchObject({
      GIT_CONFIG_COUNT: "2",
      GIT_CONFIG_KEY_0: "credential.helper",
      GIT_CONFIG_VALUE_0: "",
      GIT_CONFIG_KEY_1: "http.extraHeader",
      GIT_CONFIG_VALUE_1: `Authorization: Basic ${encoded}`,
    });
    expect(configEnv([])).toEqual({});
    expect(() => configEnv(["--upload-pack=evil"])).toThrow("-c key=value pairs");
  });

  it("reach git as the -c arguments did", async () => {
    const repo = path.join(scratch, "repo.git");
    await execa("git", ["init", "--bare", "--quiet", repo]);
    const auth = gitAuthArgs(REMOTE, TOKEN);
    const header = await runGit({ cwd: repo, auth, args: ["config", "--get-all", "http.extraHeader"] });
    expect(header.stdout.trim()).toBe(`Authorization: ${basicAuthorization(TOKEN)}`);
    // An empty helper: any helper configured on the host is switched off.
    const helper = await runGit({ cwd: repo, auth, args: ["config", "--get-all", "credential.helper"] });
    expect(helper.stdout).toBe("\n");
  });
});
