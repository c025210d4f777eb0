/**
 * The `sudo` containment mode's parts that need no sudo to be tried (the Docker image's mode:
 * `runner/containment/agent-sandbox.ts`): the agent's environment handed over on stdin. These
 * run as whoever runs the suite; the same mode end to end, as a non-root user through real sudo,
 * is test/e2e/containment.test.ts with CW_TEST_AGENT_USERS on a host set up by
 * scripts/image-host.sh.
 */
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { sandboxCommand } from "../../../src/runner/containment/agent-sandbox.js";

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
