/**
 * The `sudo` containment mode's parts that need no sudo to be tried (the Docker image's mode:
 * `runner/containment/agent-sandbox.ts`, `agent-session.ts`): the agent's environment handed
 * over on stdin, and the take-back of what an agent left. These run as whoever runs the suite;
 * the same mode end to end, as a non-root user through real sudo, is
 * test/e2e/containment.test.ts with CW_TEST_AGENT_USERS on a host set up by
 * scripts/image-host.sh.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { sandboxCommand } from "../../../src/runner/containment/agent-sandbox.js";
import { OPEN_TO_GROUP, reownTree } from "../../../src/runner/containment/agent-session.js";

const made: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cw-agent-sandbox-"));
  made.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of made.splice(0)) {
    // The tests close folders on purpose: open them again so they can go.
    execFileSync("chmod", ["-R", "u+rwx", dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

const AGENT = { name: "cw-agent-3", uid: 4003, gid: 4003 };

describe("the sudo mode's command line", () => {
  const env = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: "/work/homes/t--a",
    ANTHROPIC_API_KEY: "sk-ant-secret",
    ODD: 'it\'s $HOME `id` "quoted"\nsecond line',
    "NOT-A-NAME": "dropped",
  };

  it("runs the agent as its user through sudo, with no secret on the command line", () => {
    const command = sandboxCommand({ mode: "sudo", user: AGENT, paths: undefined, file: "claude", args: ["-p", "the prompt"], env });
    expect(command.file).toBe("sudo");
    expect(command.args.slice(0, 6)).toEqual(["-n", "-u", "cw-agent-3", "--", "/bin/sh", "-c"]);
    expect(command.args.slice(7)).toEqual(["cw-sandbox", "claude", "-p", "the prompt"]);
    // A command line is readable by every user of the host: the environment goes on stdin.
    expect(command.args.join(" ")).not.toContain("sk-ant-secret");
    expect(command.env).toEqual({ PATH: env.PATH });
    expect(command.input).toContain("sk-ant-secret");
  });

  it("the agent gets exactly the environment the runner built: values intact, nothing of sudo's", async () => {
    const command = sandboxCommand({ mode: "sudo", user: AGENT, paths: undefined, file: "env", args: ["-0"], env });
    // What sudo runs, with the environment sudo gives it (env_reset: its own variables, the
    // target user's SHELL, which is /usr/sbin/nologin for the image's agent users).
    const sudoEnv = {
      PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      SHELL: "/usr/sbin/nologin",
      MAIL: "/var/mail/cw-agent-3",
      USER: "cw-agent-3",
      LOGNAME: "cw-agent-3",
      HOME: "/nonexistent",
      TERM: "unknown",
      SUDO_USER: "node",
      SUDO_UID: "1000",
      SUDO_GID: "1000",
      SUDO_COMMAND: "/bin/sh -c …\nINJECTED=1",
    };
    const ran = await execa(command.args[4]!, command.args.slice(5), { input: command.input, env: sudoEnv, extendEnv: false, cwd: "/" });
    const seen = Object.fromEntries(
      ran.stdout
        .split("\0")
        .filter(Boolean)
        .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
    );
    // dash sets PWD itself, as any shell the agent started would.
    delete seen.PWD;
    const { "NOT-A-NAME": _dropped, ...named } = env;
    expect(seen).toEqual(named);
  });
});

describe("taking back what an agent left (sudo mode)", () => {
  /** A tree as a careless or hostile agent leaves it. */
  function agentTree(): string {
    const root = scratch();
    const outside = path.join(scratch(), "not-the-agents.txt");
    writeFileSync(outside, "the runner's\n", { mode: 0o600 });
    chmodSync(outside, 0o600);
    mkdirSync(path.join(root, ".cw", "output"), { recursive: true });
    // A link where the runner reads, to a file the agent does not own: chmod must not follow it.
    symlinkSync(outside, path.join(root, ".cw", "output", "result.json"));
    mkdirSync(path.join(root, "closed", "inner"), { recursive: true });
    writeFileSync(path.join(root, "closed", "inner", "secret.txt"), "closed away\n", { mode: 0o600 });
    writeFileSync(path.join(root, "run.sh"), "#!/bin/sh\n", { mode: 0o700 });
    chmodSync(path.join(root, "run.sh"), 0o700);
    mkdirSync(path.join(root, "sticky"));
    writeFileSync(path.join(root, "sticky", "file"), "x\n");
    chmodSync(path.join(root, "sticky"), 0o1755);
    execFileSync("mkfifo", [path.join(root, "pipe")]);
    // Closed even to the agent itself, inside out.
    chmodSync(path.join(root, "closed", "inner"), 0o000);
    chmodSync(path.join(root, "closed"), 0o000);
    return root;
  }

  it("the agent opens everything it owns to its group, closed folders and all, and follows no link", async () => {
    const root = agentTree();
    const outside = readlinkSync(path.join(root, ".cw", "output", "result.json"));
    // Run as the agent would run it (here as the suite's user, who owns the tree).
    await execa("/bin/sh", ["-c", OPEN_TO_GROUP, "cw-take-back", root]);
    expect(statSync(path.join(root, "closed")).mode & 0o770).toBe(0o770);
    expect(statSync(path.join(root, "closed", "inner")).mode & 0o770).toBe(0o770);
    expect(statSync(path.join(root, "closed", "inner", "secret.txt")).mode & 0o660).toBe(0o660);
    expect(statSync(path.join(root, "run.sh")).mode & 0o770).toBe(0o770);
    expect(statSync(path.join(root, "sticky")).mode & 0o1000).toBe(0);
    // The link's target is as it was.
    expect(statSync(outside).mode & 0o777).toBe(0o600);
  });

  it("the runner replaces what it does not own by copies of its own: contents, modes and links kept", async () => {
    const root = agentTree();
    await execa("/bin/sh", ["-c", OPEN_TO_GROUP, "cw-take-back", root]);
    const target = readlinkSync(path.join(root, ".cw", "output", "result.json"));
    // Every entry counts as another user's (a uid no file here has): all of it is copied.
    await reownTree(root, 4_000_000);
    const me = process.getuid!();
    for (const entry of readdirSync(root, { recursive: true }) as string[]) {
      expect(lstatSync(path.join(root, entry)).uid).toBe(me);
    }
    expect(readdirSync(root).filter((name) => name.startsWith(".cw-taking-back-"))).toEqual([]);
    expect(lstatSync(path.join(root, ".cw", "output", "result.json")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(root, ".cw", "output", "result.json"))).toBe(target);
    expect(readFileSync(path.join(root, "closed", "inner", "secret.txt"), "utf8")).toBe("closed away\n");
    expect(statSync(path.join(root, "run.sh")).mode & 0o100).toBe(0o100);
    expect(lstatSync(path.join(root, "pipe")).isFIFO()).toBe(true);
  });

  it("what the runner owns already is left as it is", async () => {
    const root = scratch();
    writeFileSync(path.join(root, "checkout.txt"), "the runner's\n");
    const before = statSync(path.join(root, "checkout.txt")).ino;
    await reownTree(root, process.getuid!());
    expect(statSync(path.join(root, "checkout.txt")).ino).toBe(before);
  });
});
