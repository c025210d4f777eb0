/**
 * Agent output into `agent_log_chunks`, batched: lines are buffered and written every
 * `flushMs` or every `maxLines`, so a chatty agent makes a few inserts a second, not thousands.
 * Lines arrive already redacted.
 */
import type { Db } from "../db/client.js";
import { agentLogChunks } from "../db/schema.js";
import type { Logger } from "../logger.js";

/** A log line longer than this (64 KB) is stored cut, with a note of how much was cut. */
export const MAX_LOG_LINE = 65_536;

export function cutLogLine(line: string): string {
  if (line.length <= MAX_LOG_LINE) return line;
  const kept = line.slice(0, MAX_LOG_LINE).replace(/[\uD800-\uDBFF]$/, "");
  return `${kept} … (line cut: ${line.length - kept.length} more characters)`;
}

export class LogSink {
  #buffer: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly agent: { id: string; name: string },
    private readonly sessionNumber: number,
    private readonly log: Logger,
    private readonly flushMs = 1_000,
    private readonly maxLines = 200,
  ) {}

  push(lines: string[]): void {
    for (const line of lines) this.#buffer.push(cutLogLine(line));
    if (this.#buffer.length >= this.maxLines) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#buffer.length === 0) return this.#writing;
    const content = this.#buffer.join("\n");
    this.#buffer = [];
    this.#writing = this.#writing.then(() =>
      this.db
        .insert(agentLogChunks)
        .values({ agentId: this.agent.id, agentName: this.agent.name, sessionNumber: this.sessionNumber, content })
        .then(
          () => undefined,
          (error: unknown) => this.log.warn({ err: error, agent: this.agent.name }, "could not store agent output"),
        ),
    );
    return this.#writing;
  }
}
