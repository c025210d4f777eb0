/**
 * PGlite belongs to one process: a second open of the same data directory, while the first
 * holds it, is refused with what to do (PGlite itself would let both write the files); the lock
 * of a process that died (kill -9) is taken over; a closed database can be opened again.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.js";
import { PgliteInUseError } from "../../src/db/pglite-lock.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function dataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cw-pglite-lock-"));
  made.push(dir);
  return path.join(dir, "pglite");
}

describe("the PGlite data directory's lock", () => {
  it("refuses a second open while the first holds it, and opens again once it is closed", { timeout: 60_000 }, async () => {
    const dir = dataDir();
    const first = await openDatabase({ dataDir: dir });
    try {
      expect(readFileSync(path.join(dir, "cw.lock"), "utf8")).toBe(`${process.pid}\n`);
      const second = openDatabase({ dataDir: dir });
      await expect(second).rejects.toBeInstanceOf(PgliteInUseError);
      await expect(second).rejects.toThrow(`is in use by process ${process.pid} (this one): PGlite belongs to one process`);
      await first.rows("create table kept (n int)");
    } finally {
      await first.close();
    }
    expect(existsSync(path.join(dir, "cw.lock"))).toBe(false);
    const again = await openDatabase({ dataDir: dir });
    try {
      expect(await again.rows("select count(*)::int as n from kept")).toEqual([{ n: 0 }]);
    } finally {
      await again.close();
    }
  });

  it("takes over the lock of a process that is gone", { timeout: 60_000 }, async () => {
    const dir = dataDir();
    // A process that held it and died without a word: its pid, now free.
    const gone = Number(execFileSync("sh", ["-c", "sh -c 'echo $$'"], { encoding: "utf8" }).trim());
    const first = await openDatabase({ dataDir: dir });
    await first.close();
    writeFileSync(path.join(dir, "cw.lock"), `${gone}\n`);
    const db = await openDatabase({ dataDir: dir });
    try {
      expect(readFileSync(path.join(dir, "cw.lock"), "utf8")).toBe(`${process.pid}\n`);
    } finally {
      await db.close();
    }
  });
});
