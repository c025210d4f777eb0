/**
 * `/cw …` commands in issue and pull-request comments (DESIGN.md §1). A command is a line of its
 * own whose first text is `/cw`; the same words in a sentence, a code block, an HTML comment or
 * a quoted reply are not commands. Whether the author may run them is decided elsewhere: this
 * only reads what was asked.
 */
import { proseLines } from "./dependency-refs.js";

export const COMMAND_NAMES = ["run", "stop", "retry", "approve", "status", "help", "revert", "refine", "log", "apply"] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export type SlashCommand =
  | { name: CommandName; args: string[]; line: string }
  /** Not a command, or one used wrongly; `args` holds every word after `/cw`. */
  | { name: "unknown"; args: string[]; line: string };

/** `/cw` as the line's first text, then the command word and its arguments, if any. */
const COMMAND_LINE = /^\s*\/cw(?=\s|$)/i;

export function parseSlashCommands(body: string | null | undefined): SlashCommand[] {
  const commands: SlashCommand[] = [];
  for (const { text, uncommented } of proseLines(body)) {
    const head = COMMAND_LINE.exec(text);
    if (!head) continue;
    // Arguments may be written as code (`/cw revert \`cs-12\``): read them with their backticks
    // taken off rather than lose them.
    const words = uncommented
      .slice(head[0].length)
      .split(/\s+/)
      .map((w) => w.replace(/^`+|`+$/g, ""))
      .filter((w) => w !== "");
    commands.push(toCommand(words, uncommented.trim()));
  }
  return commands;
}

function toCommand(words: string[], line: string): SlashCommand {
  const [word, ...args] = words;
  if (word === undefined) return { name: "help", args: [], line };
  const name = COMMAND_NAMES.find((c) => c === word.toLowerCase());
  if (name === undefined) return { name: "unknown", args: words, line };
  // A revert names one change set (none: list them); guessing which one is not an option.
  if (name === "revert" && args.length > 1) return { name: "unknown", args: words, line };
  if (name === "apply" && args.length !== 1) return { name: "unknown", args: words, line };
  return { name, args, line };
}

const COMMAND_HELP: ReadonlyArray<readonly [usage: string, description: string]> = [
  ["/cw run", "start this issue as a task (the same as adding the trigger label)"],
  ["/cw stop", "stop the agent working on this task and cancel it"],
  ["/cw retry", "start a failed or stopped task again, or run the agent again instead of approving its work"],
  ["/cw approve", "let a task waiting for approval start, or complete a `human-verify` checkpoint whose work you checked"],
  ["/cw status", "show where this task stands: its status, its agent, what blocks it"],
  ["/cw log", "show the last 200 lines of the log of this task's current or last agent run"],
  ["/cw revert <change-set>", "undo the issues a plan, detail or refine agent created or edited in that change set (`/cw revert` alone lists them)"],
  ["/cw apply <change-set>", "carry out a change set a planning agent proposed (when `plan_approval` is on)"],
  ["/cw refine", "on a pull request: have an agent make the changes the agent's review there asks for (`agent_review`)"],
  ["/cw help", "show this list"],
];

export const HELP_TEXT = [
  "**Codewalkers commands** — write one on a line of its own in a comment. Only people with write access to this repository can use them.",
  "",
  ...COMMAND_HELP.map(([usage, description]) => `- \`${usage}\` — ${description}`),
].join("\n");

/**
 * The help text, prefixed with what was not understood. `unknown` is the command as written
 * (with or without its `/cw`); it is someone's own text echoed back in a comment, so it is
 * shortened and kept to one line inside a code span, where Markdown and @mentions stay inert.
 */
export function renderHelp(unknown?: string): string {
  if (unknown === undefined) return HELP_TEXT;
  const words = unknown
    .replace(/`/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^\/cw\b\s*/i, "");
  if (/^revert\b/i.test(words)) {
    return `\`/cw revert\` takes the id of one change set: \`/cw revert <change-set>\` (alone, it lists them).\n\n${HELP_TEXT}`;
  }
  if (/^apply\b/i.test(words)) {
    return `\`/cw apply\` takes the id of exactly one change set: \`/cw apply <change-set>\`.\n\n${HELP_TEXT}`;
  }
  const shown = words.length > 60 ? `${words.slice(0, 59)}…` : words;
  return `Unknown command \`/cw${shown ? ` ${shown}` : ""}\`.\n\n${HELP_TEXT}`;
}
