/**
 * Reading and writing inside a directory an agent owned. An agent can leave a symbolic link
 * where the runner expects a file (`result.json` → the app's private key) or a folder
 * (`.claude` → /etc): the runner runs with more rights than the agent, so it must never follow
 * one. Every component below the trusted root is checked with lstat, and the file itself is
 * opened with O_NOFOLLOW (and O_NONBLOCK: a FIFO must not hang the runner).
 *
 * These run after every process of the agent is gone (`reap-agent-processes.ts`), so nothing
 * can swap a component between the check and the use.
 */
import { constants, type Stats } from "node:fs";
import { type FileHandle, lstat, mkdir, open, rm } from "node:fs/promises";
import path from "node:path";

export type AgentFileRead = { kind: "missing" } | { kind: "refused"; reason: string } | { kind: "file"; text: string; size: number };

/** The components of `rel` below `root`; throws on `..` or an absolute path. */
function componentsOf(rel: string): string[] {
  if (path.isAbsolute(rel)) throw new Error(`${rel} is not a relative path`);
  const parts = rel.split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new Error(`${rel} leaves its directory`);
  return parts;
}

/** Reads `root/rel` as UTF-8 when it is a regular file of at most `maxBytes`, reached without links. */
export async function readAgentFile(root: string, rel: string, maxBytes: number): Promise<AgentFileRead> {
  const parts = componentsOf(rel);
  let current = path.resolve(root);
  for (const [i, part] of parts.entries()) {
    current = path.join(current, part);
    let info: Stats;
    try {
      info = await lstat(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
      return { kind: "refused", reason: `${parts.slice(0, i + 1).join("/")} cannot be read (${(error as NodeJS.ErrnoException).code})` };
    }
    const last = i === parts.length - 1;
    if (info.isSymbolicLink()) return { kind: "refused", reason: `${parts.slice(0, i + 1).join("/")} is a symbolic link` };
    if (!last && !info.isDirectory()) return { kind: "refused", reason: `${parts.slice(0, i + 1).join("/")} is not a directory` };
    if (last && !info.isFile()) return { kind: "refused", reason: `${rel} is not a regular file` };
  }
  let handle: FileHandle;
  try {
    handle = await open(current, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing" };
    return { kind: "refused", reason: `${rel} cannot be opened (${code})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { kind: "refused", reason: `${rel} is not a regular file` };
    if (info.size > maxBytes) return { kind: "refused", reason: `${rel} is ${info.size} bytes; at most ${maxBytes} are read` };
    const buffer = Buffer.alloc(info.size);
    const { bytesRead } = await handle.read(buffer, 0, info.size, 0);
    return { kind: "file", text: buffer.subarray(0, bytesRead).toString("utf8"), size: bytesRead };
  } finally {
    await handle.close();
  }
}

/**
 * Makes `root/rel` a real directory chain: a link or a file where a directory belongs (planted by
 * an earlier agent) is removed first. Returns the absolute path.
 */
export async function realDirectory(root: string, rel: string, mode = 0o700): Promise<string> {
  let current = path.resolve(root);
  for (const part of componentsOf(rel)) {
    current = path.join(current, part);
    const info = await lstat(current).catch(() => undefined);
    if (info && !info.isDirectory()) await rm(current, { force: true, recursive: false });
    if (!info?.isDirectory()) await mkdir(current, { mode });
  }
  return current;
}
