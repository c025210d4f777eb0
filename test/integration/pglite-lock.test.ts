/**
 * PGlite belongs to one process: a second open of the same data directory, while the first
 * holds it, is refused with what to do (PGlite itself would let both write the files); the lock
 * of a process that died (kill -9) is taken over; a closed database can be opened again.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.js";
import { PgliteInUseError } from "../../src/db/pglite-lock.js";
import { waitFor } from "../support/processes.js";

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
    const first = await openDatabase({ dataDir: dir });
    await first.close();
    writeFileSync(path.join(dir, "cw.lock"), `${gone()}\n`);
    const db = await openDatabase({ dataDir: dir });
    try {
      expect(readFileSync(path.join(dir, "cw.lock"), "utf8")).toBe(`${process.pid}\n`);
    } finally {
      await db.close();
    }
  });
});

describe("taking over a dead holder's lock", () => {
  it("a lock naming this process's own pid, which this process never took, is a previous life's (a container restarts with the same pid)", async () => {
    const dir = dataDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "cw.lock"), `${process.pid}\n`);
    const db = await openDatabase({ dataDir: dir });
    await db.close();
  });

  it("two processes that find the same dead holder at once: exactly one of them gets the lock", { timeout: 120_000 }, async () => {
    const lockModule = fileURLToPath(new URL("../../src/db/pglite-lock.ts", import.meta.url));
    // Each contender says it is ready, waits for the go, then takes the lock (or is refused),
    // says which, and holds it a moment: the two meet in the takeover within a millisecond.
    const script = `const { lockPgliteDir } = await import(${JSON.stringify(lockModule)});
      const fs = await import("node:fs");
      const dir = process.argv[1];
      fs.writeFileSync(dir + ".ready." + process.pid, "");
      while (!fs.existsSync(dir + ".go")) await new Promise((r) => setTimeout(r, 1));
      try { await lockPgliteDir(dir); console.log("locked"); await new Promise((r) => setTimeout(r, 1500)); }
      catch (error) { console.log(error.name === "PgliteInUseError" ? "refused" : String(error)); }`;
    for (let trial = 0; trial < 5; trial++) {
      const dir = dataDir();
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "cw.lock"), `${gone()}\n`);
      const runs = [0, 1].map(() => execa(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, dir], { reject: false }));
      await waitFor(() => readdirSync(path.dirname(dir)).filter((f) => f.startsWith("pglite.ready.")).length === 2, 60_000);
      writeFileSync(`${dir}.go`, "");
      const outcomes = (await Promise.all(runs)).map((r) => r.stdout.trim());
      expect(outcomes.sort()).toEqual(["locked", "refused"]);
    }
  });
});

/** The pid of a process that has ended. */
function gone(): number {
  return Number(execFileSync("sh", ["-c", "sh -c 'echo $$'"], { encoding: "utf8" }).trim());
}
