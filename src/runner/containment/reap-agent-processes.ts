/**
 * Ends every process an agent user still has: what it left running after its agent exited, or
 * (at boot) what a runner that died left behind. `kill -9 -1` run AS that user signals every
 * process the user owns in one system call, so a process that keeps forking cannot outrun it;
 * /proc then tells whether anything is left. It is the shell's own `kill`: the Docker image (a
 * `-slim` Debian) has no kill program, procps not being installed, and a missing program would
 * leave the agent's processes running and a stopped agent alive.
 */
import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { runAsAgent, type ContainmentMode } from "./agent-sandbox.js";
import type { AgentUser } from "./agent-users.js";

/** Pids of the live (not zombie) processes whose real uid is `uid`. */
export async function processesOf(uid: number): Promise<number[]> {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return pids;
  }
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        const status = await readFile(`/proc/${entry}/status`, "utf8").catch(() => "");
        const state = /^State:\s+(\S)/m.exec(status)?.[1];
        const realUid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
        if (realUid !== undefined && Number(realUid) === uid && state !== "Z") pids.push(Number(entry));
      }),
  );
  return pids;
}

/** Kills everything `user` runs; resolves once nothing is left (or after a few rounds, with what is). */
export async function reapAgentProcesses(mode: ContainmentMode, user: AgentUser): Promise<number[]> {
  if (mode === "unsafe") return [];
  let left = await processesOf(user.uid);
  for (let round = 0; round < 20 && left.length > 0; round++) {
    // Exit 1 means "nothing to signal": fine, /proc says the rest.
    await runAsAgent(mode, user, "/bin/sh", ["-c", "kill -9 -1"]).catch(() => {});
    await sleep(round < 5 ? 10 : 50);
    left = await processesOf(user.uid);
  }
  return left;
}
