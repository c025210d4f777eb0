/**
 * Reaping an agent user's processes (`containment/reap-agent-processes.ts`), on real processes of
 * a real agent user of the containment this host has (root: namespaces; the image's app user:
 * sudo). The Docker image has no `kill` program (procps is not in a -slim Debian): with none on
 * PATH, a forking agent and everything it started must still be gone.
 */
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { execaSync } from "execa";
import { describe, expect, it } from "vitest";
import { processesOf, reapAgentProcesses } from "../../src/runner/containment/reap-agent-processes.js";
import { waitFor } from "../support/processes.js";
import { startAsAgent, useContainment } from "../support/containment.js";

const { scratch, containment: contained } = useContainment("cw-reap-", 2);

/** A PATH with what the containment needs to switch users, and no kill program. */
function pathWithoutKill(): string {
  const bin = path.join(scratch, "bin");
  rmSync(bin, { recursive: true, force: true });
  mkdirSync(bin);
  for (const tool of ["setpriv", "sudo", "unshare"]) {
    const found = execaSync("sh", ["-c", `command -v ${tool} || true`]).stdout.trim();
    if (found) symlinkSync(found, path.join(bin, tool));
  }
  return bin;
}

describe("reaping an agent user's processes", () => {
  it("kills a forking agent and what it left behind, with no kill program on PATH", async () => {
    const containment = contained();
    const user = await containment.pool!.acquire();
    try {
      // An agent that leaves two sleepers behind and keeps running itself.
      const agent = startAsAgent(containment, user, "/bin/sh", ["-c", "sleep 300 & sleep 300 & exec sleep 300"]);
      await waitFor(async () => (await processesOf(user.uid)).length >= 3);

      const savedPath = process.env.PATH;
      process.env.PATH = pathWithoutKill();
      let left: number[];
      try {
        left = await reapAgentProcesses(containment.mode, user);
      } finally {
        process.env.PATH = savedPath;
      }
      expect(left).toEqual([]);
      expect(await processesOf(user.uid)).toEqual([]);
      const end = await agent;
      expect(end.exitCode === 0).toBe(false);
    } finally {
      containment.pool!.release(user);
    }
  });
});
