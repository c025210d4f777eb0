/**
 * Whether a PostgreSQL server lets `url`'s role in without a password, asked directly (the
 * first step of its protocol): tests that expect the runner to refuse agents on a trusting
 * server, or not, check the server itself rather than assume how this machine is set up.
 *
 * Not the runner's own probe (src/runner/containment/database-reach.ts), on purpose: this is the
 * independent answer that probe is checked against (test/integration/containment-setup.test.ts),
 * and a check of the probe that asked the probe would pass whatever the probe said. It asks the
 * URL's own address only, in plain text; the probe also asks the server's other door and TLS.
 */
import net from "node:net";

export function serverTrusts(url: string): Promise<boolean> {
  const parsed = new URL(url);
  const user = decodeURIComponent(parsed.username) || "postgres";
  const database = decodeURIComponent(parsed.pathname.slice(1)) || user;
  return new Promise<boolean>((resolve) => {
    const client = net.connect(Number(parsed.port || 5432), parsed.hostname);
    client.on("error", () => resolve(false));
    client.on("connect", () => {
      const body = Buffer.from(`\0\x03\0\0user\0${user}\0database\0${database}\0\0`, "utf8");
      const head = Buffer.alloc(4);
      head.writeInt32BE(body.length + 4);
      client.write(Buffer.concat([head, body]));
    });
    client.once("data", (answer) => {
      resolve(answer.length >= 9 && answer[0] === 0x52 && answer.readInt32BE(5) === 0);
      client.destroy();
    });
  });
}
