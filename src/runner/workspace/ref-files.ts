/**
 * Branch tips read from the mirror's ref files, as git itself reads them: a loose ref file
 * first, then `packed-refs`. Every run asks for a few tips at its start, and a `git for-each-ref`
 * process for each question costs more than the files (about 6 ms a spawn here, on the path
 * between a dependency finishing and its dependent's agent starting).
 *
 * The order is git's own and is safe against a concurrent `pack-refs` (it writes `packed-refs`
 * before it removes the loose files) and a fetch (a loose file is replaced by a rename). Only
 * the runner writes the mirror. Anything this reader does not understand (a symbolic ref, a
 * reftable repository, a malformed line) is answered `undefined`, and the caller asks git.
 */
import { access, readFile } from "node:fs/promises";
import path from "node:path";

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** `ref` → sha for the refs that exist; undefined when the files cannot answer for certain. */
export async function readRefFiles(gitDir: string, refs: readonly string[]): Promise<Map<string, string> | undefined> {
  const found = new Map<string, string>();
  const missing: string[] = [];
  for (const ref of refs) {
    if (!ref.startsWith("refs/") || ref.split("/").some((part) => part === ".." || part === "")) return undefined;
    const loose = await readOrUndefined(path.join(gitDir, ...ref.split("/")));
    if (loose === undefined) {
      missing.push(ref);
      continue;
    }
    const sha = loose.trim();
    if (!SHA.test(sha)) return undefined;
    found.set(ref, sha);
  }
  if (missing.length === 0) return found;
  if (await exists(path.join(gitDir, "reftable"))) return undefined;
  const packed = (await readOrUndefined(path.join(gitDir, "packed-refs"))) ?? "";
  const wanted = new Set(missing);
  for (const line of packed.split("\n")) {
    if (line === "" || line.startsWith("#") || line.startsWith("^")) continue;
    const space = line.indexOf(" ");
    const sha = line.slice(0, space);
    const ref = line.slice(space + 1);
    if (space < 0 || !SHA.test(sha)) return undefined;
    if (wanted.has(ref)) found.set(ref, sha);
  }
  return found;
}

/** A file's text; undefined when it is not there (or is a directory: the ref is a folder of others). */
async function readOrUndefined(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return undefined;
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
