import { agentLogLine } from "../../core/agent-text.js";

/**
 * The last lines of an agent's output, kept for the run's result (shown in the failure comment
 * and on the PR's check run): already redacted, made inert here (`agentLogLine`).
 */
export class LogTail {
  private readonly lines: string[] = [];

  constructor(
    private readonly maxLines = 40,
    private readonly maxLineChars = 1_000,
  ) {}

  push(lines: readonly string[]): void {
    for (const line of lines.slice(-this.maxLines)) {
      this.lines.push(agentLogLine(line.length > this.maxLineChars ? `${line.slice(0, this.maxLineChars)}…` : line));
    }
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  text(): string {
    return this.lines.join("\n");
  }
}
