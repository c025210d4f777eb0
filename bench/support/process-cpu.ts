/**
 * CPU time of other processes (PostgreSQL backends), read from /proc on Linux. Returns
 * undefined where /proc cannot be read, so the figure is simply left out.
 */
import { readFileSync } from "node:fs";

/** Linux reports utime/stime in clock ticks of USER_HZ, which is 100 on every mainstream build. */
const USER_HZ = 100;

export function processCpuMs(pids: number[]): number | undefined {
  let ticks = 0;
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return undefined;
    }
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / USER_HZ;
}
