import { describe, expect, it } from "vitest";
import { COMMAND_NAMES, HELP_TEXT, parseSlashCommands, renderHelp } from "../../../src/core/slash-commands.js";

describe("parseSlashCommands", () => {
  it("finds nothing in a missing or ordinary body", () => {
    expect(parseSlashCommands(null)).toEqual([]);
    expect(parseSlashCommands(undefined)).toEqual([]);
    expect(parseSlashCommands("Looks good to me!\n\nThanks.")).toEqual([]);
  });

  it.each(["run", "stop", "retry", "approve", "status", "help"] as const)("reads /cw %s", (name) => {
    expect(parseSlashCommands(`/cw ${name}`)).toEqual([{ name, args: [], line: `/cw ${name}` }]);
  });

  it("reads the command word and /cw in any case, and keeps the line as written", () => {
    expect(parseSlashCommands("  /CW Run  ")).toEqual([{ name: "run", args: [], line: "/CW Run" }]);
  });

  it("treats /cw alone as help", () => {
    expect(parseSlashCommands("/cw")).toEqual([{ name: "help", args: [], line: "/cw" }]);
    expect(parseSlashCommands("/cw   ")).toEqual([{ name: "help", args: [], line: "/cw" }]);
  });

  it("reads a revert with its change-set id, also written as code", () => {
    expect(parseSlashCommands("/cw revert cs-123")).toEqual([{ name: "revert", args: ["cs-123"], line: "/cw revert cs-123" }]);
    expect(parseSlashCommands("/cw revert `cs-123`")).toEqual([{ name: "revert", args: ["cs-123"], line: "/cw revert `cs-123`" }]);
  });

  it("reads a revert without an id as the list, and more than one id as unknown", () => {
    expect(parseSlashCommands("/cw revert")).toEqual([{ name: "revert", args: [], line: "/cw revert" }]);
    expect(parseSlashCommands("/cw revert a b")).toEqual([{ name: "unknown", args: ["revert", "a", "b"], line: "/cw revert a b" }]);
  });

  it("keeps the arguments of other commands", () => {
    expect(parseSlashCommands("/cw run\tnow  please")).toEqual([{ name: "run", args: ["now", "please"], line: "/cw run\tnow  please" }]);
  });

  it("reports an unknown command word with everything after /cw", () => {
    expect(parseSlashCommands("/cw deploy prod")).toEqual([{ name: "unknown", args: ["deploy", "prod"], line: "/cw deploy prod" }]);
    expect(parseSlashCommands("/cw run.")).toEqual([{ name: "unknown", args: ["run."], line: "/cw run." }]);
  });

  it("reads every command line of a comment, in order", () => {
    const body = "Please do this.\n/cw approve\nand then\n/cw status\n";
    expect(parseSlashCommands(body).map((c) => c.name)).toEqual(["approve", "status"]);
  });

  it.each([
    ["in a sentence", "please /cw run this"],
    ["glued to a word", "/cwrun"],
    ["with another prefix", "/cwx run"],
    ["in inline code", "`/cw run`"],
    ["in a list item", "- /cw run"],
    ["quoted", "> /cw run"],
    ["quoted, indented", "  > /cw stop"],
    ["in a fenced block", "```\n/cw run\n```"],
    ["in a tilde fence", "~~~\n/cw run\n~~~"],
    ["in an HTML comment", "<!--\n/cw approve\n-->"],
    ["after an HTML comment opener", "<!-- /cw run -->"],
  ])("ignores a command %s", (_where, body) => {
    expect(parseSlashCommands(body)).toEqual([]);
  });

  it("reads a command after a closed code block", () => {
    expect(parseSlashCommands("```\n/cw stop\n```\n/cw retry").map((c) => c.name)).toEqual(["retry"]);
  });

  it("drops a trailing same-line comment from the arguments", () => {
    expect(parseSlashCommands("/cw revert cs-1 <!-- oops -->")).toEqual([{ name: "revert", args: ["cs-1"], line: "/cw revert cs-1" }]);
  });

  it("handles CRLF", () => {
    expect(parseSlashCommands("hi\r\n/cw stop\r\n").map((c) => c.name)).toEqual(["stop"]);
  });
});

describe("HELP_TEXT", () => {
  it("lists every command with a description", () => {
    for (const name of COMMAND_NAMES) {
      const usage = name === "revert" || name === "apply" ? `/cw ${name} <change-set>` : `/cw ${name}`;
      expect(HELP_TEXT).toMatch(new RegExp(`^- \`${usage}\` — \\S.+$`, "m"));
    }
    expect(HELP_TEXT.match(/^- `\/cw /gm)).toHaveLength(COMMAND_NAMES.length);
  });

  it("says who may use the commands", () => {
    expect(HELP_TEXT).toContain("write access");
  });

  it("parses back: every command it shows (with an id for revert) is understood", () => {
    const lines = [...HELP_TEXT.matchAll(/^- `(\/cw [^`]+)`/gm)].map((m) => (m[1] ?? "").replace("<change-set>", "cs-1"));
    expect(parseSlashCommands(lines.join("\n")).map((c) => c.name)).toEqual([
      "run",
      "stop",
      "retry",
      "approve",
      "status",
      "log",
      "revert",
      "apply",
      "refine",
      "help",
    ]);
  });
});

describe("renderHelp", () => {
  it("is the help text when nothing was misunderstood", () => {
    expect(renderHelp()).toBe(HELP_TEXT);
  });

  it("names the unknown command, given as the line or as the words after /cw", () => {
    expect(renderHelp("/cw xyz")).toBe(`Unknown command \`/cw xyz\`.\n\n${HELP_TEXT}`);
    expect(renderHelp("xyz")).toBe(`Unknown command \`/cw xyz\`.\n\n${HELP_TEXT}`);
  });

  it("keeps the echoed text inert: one line, no backticks, shortened", () => {
    const out = renderHelp("/cw `@everyone` **x**\nline two");
    expect(out.split("\n")[0]).toBe("Unknown command `/cw @everyone **x** line two`.");
    const long = renderHelp(`/cw ${"a".repeat(200)}`).split("\n")[0] ?? "";
    expect(long).toBe(`Unknown command \`/cw ${"a".repeat(59)}…\`.`);
  });

  it("explains what a revert needs", () => {
    expect(renderHelp("/cw revert a b")).toBe(
      `\`/cw revert\` takes the id of one change set: \`/cw revert <change-set>\` (alone, it lists them).\n\n${HELP_TEXT}`,
    );
  });
});
