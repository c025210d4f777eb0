/**
 * The `sudo` mode's hand-over of an agent's HOME (`containment/agent-session.ts`, CLAIM_HOME): an
 * earlier run's files, taken back by the runner, become the new agent user's own, so a CLI can set
 * modes on them (a resumed codex chmods what it keeps there, and could not start on files the
 * runner owned). Run as a real agent user of this host's containment, on real files.
 */
import { chmodSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { CLAIM_HOME } from "../../src/runner/containment/agent-session.js";
import { runAsAgent } from "../../src/runner/containment/agent-sandbox.js";
import { useContainment } from "../support/containment.js";

const { scratch, containment: contained } = useContainment("cw-claim-home-", 1);

describe("claiming a home handed to an agent user", () => {
  it("makes every entry the agent's own, contents and modes kept, links copied as links", async () => {
    const containment = contained();
    const user = await containment.pool!.acquire();
    let home: string | undefined;
    try {
      // What the runner hands over: its own files (an earlier run's, taken back), open to the
      // agent's group, as shareWithGroup leaves them.
      home = path.join(scratch, "home");
      const secret = path.join(scratch, "runner-secret");
      writeFileSync(secret, "the runner's\n", { mode: 0o600 });
      mkdirSync(path.join(home, ".codex", "tmp", "arg0"), { recursive: true });
      writeFileSync(path.join(home, ".codex", "auth.json"), '{"token":"t"}\n');
      writeFileSync(path.join(home, ".codex", "tmp", "arg0", "apply_patch"), "#!/bin/sh\n");
      chmodSync(path.join(home, ".codex", "tmp", "arg0", "apply_patch"), 0o750);
      writeFileSync(path.join(home, ".hidden"), "dot\n");
      symlinkSync(secret, path.join(home, ".codex", "link-out"));
      await execa("chgrp", ["-R", "-P", String(user.gid), home]);
      await execa("chmod", ["-R", "u+rwX,g+rwX,o-rwx", home]);

      const helper = path.join(home, ".codex", "tmp", "arg0", "apply_patch");
      const modeBefore = statSync(helper).mode & 0o7777;

      await runAsAgent(containment.mode, user, "/bin/sh", ["-c", CLAIM_HOME, "cw-claim-home", home]);

      const owners = (await execa("find", [home, "-mindepth", "1", "-printf", "%U %p\n"])).stdout.split("\n");
      expect(owners.length).toBe(7);
      for (const line of owners) expect(line.split(" ")[0]).toBe(String(user.uid));
      expect(readFileSync(path.join(home, ".codex", "auth.json"), "utf8")).toBe('{"token":"t"}\n');
      expect(readFileSync(path.join(home, ".hidden"), "utf8")).toBe("dot\n");
      expect(statSync(helper).mode & 0o7777).toBe(modeBefore);
      // The link is a link still, and what it points at was never read, copied or touched.
      expect(lstatSync(path.join(home, ".codex", "link-out")).isSymbolicLink()).toBe(true);
      expect(readlinkSync(path.join(home, ".codex", "link-out"))).toBe(secret);
      expect(statSync(secret).uid).toBe(process.getuid!());
      // The agent may now set modes on what it keeps, as a CLI does.
      await runAsAgent(containment.mode, user, "chmod", ["0700", path.join(home, ".codex", "tmp", "arg0")]);
      // And nothing of the claim is left behind.
      expect(owners.some((line) => line.includes(".cw-claiming-"))).toBe(false);
    } finally {
      // What the agent owns now, only it may remove (in the sudo mode, where the runner is not root).
      if (home) await runAsAgent(containment.mode, user, "/bin/sh", ["-c", 'find "$1" -mindepth 1 -user "$(id -u)" -delete', "cw-clean", home]).catch(() => {});
      containment.pool!.release(user);
    }
  });
});
