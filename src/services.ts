/** What handlers and workers are given: the database and the clock-free pieces around it. */
import type { Database } from "./db/client.js";
import type { Logger } from "./logger.js";

export interface Services {
  database: Database;
  log: Logger;
  /** Wakes the outbox worker after a command recorded GitHub writes. */
  wakeOutbox(): void;
}
