/** Waiting in tests: for a process to be gone, or for a condition to hold. */
import { readdirSync, readFileSync } from "node:fs";

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // Another user's process (an agent's, when the tests do not run as root) exists all the same.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Polls `condition` every 50 ms until it holds; throws after `ms`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error("waitFor: timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The host's pid of a process an agent reported from inside its PID namespace (the sandbox
 * gives each agent its own: there, pids start again at 1). Found through /proc's NSpid lines,
 * among the processes of this test process's agent users.
 */
export function hostPid(innerPid: number): number | undefined {
  const first = 1_000_000 + process.pid * 64;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${entry}/status`, "utf8");
    } catch {
      continue;
    }
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    const nspids = (/^NSpid:\s+(.+)$/m.exec(status)?.[1] ?? "").trim().split(/\s+/).map(Number);
    if (uid >= first && uid < first + 64 && nspids.length > 1 && nspids[nspids.length - 1] === innerPid) return Number(entry);
  }
  return undefined;
}
