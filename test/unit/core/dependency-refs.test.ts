import { describe, expect, it } from "vitest";
import { formatIssueRef, parseDependencyRefs, proseLines, type IssueRef } from "../../../src/core/dependency-refs.js";

const here = { owner: "acme", repo: "app" };
const local = (number: number): IssueRef => ({ owner: "acme", repo: "app", number });

describe("parseDependencyRefs: the line", () => {
  it("returns nothing for a missing or empty body", () => {
    expect(parseDependencyRefs(null, here)).toEqual([]);
    expect(parseDependencyRefs(undefined, here)).toEqual([]);
    expect(parseDependencyRefs("", here)).toEqual([]);
  });

  it.each([
    "Depends on #12",
    "depends on #12",
    "DEPENDS ON #12",
    "Depends on: #12",
    "Depends-on: #12",
    "Depends-on #12",
    "Blocked by #12",
    "Blocked by: #12",
    "blocked-by: #12",
    "- Depends on #12",
    "* Blocked by #12",
    "+ Depends on #12",
    "1. Depends on #12",
    "3) Depends on #12",
    "  - Depends on #12",
    "- [ ] Depends on #12",
    "**Depends on** #12",
    "**Depends on:** #12",
    "**Depends on**: #12",
    "__Blocked by__ #12",
    "**Depends on #12**",
    "- **Blocked by:** #12.",
  ])("reads %j", (line) => {
    expect(parseDependencyRefs(`Some intro.\n\n${line}\n\nMore text.`, here)).toEqual([local(12)]);
  });

  it.each([
    "This depends on #12",
    "It is blocked by #12 for now",
    "Depends onto #12",
    "Dependson #12",
    "Depends #12",
    "> Depends on #12",
    ">Blocked by #12",
    "- > Depends on #12",
    "`Depends on #12`",
    "# Depends on #12",
  ])("ignores %j", (line) => {
    expect(parseDependencyRefs(line, here)).toEqual([]);
  });
});

describe("parseDependencyRefs: references", () => {
  it("resolves #N to this repository and keeps other repositories as written", () => {
    expect(parseDependencyRefs("Depends on #3, other/lib#4", here)).toEqual([local(3), { owner: "other", repo: "lib", number: 4 }]);
  });

  it("reads issue URLs on github.com and on an Enterprise host", () => {
    expect(
      parseDependencyRefs("Depends on https://github.com/Other/Lib/issues/5 and https://ghe.example.com:8443/team/svc/issues/6#issuecomment-1", here),
    ).toEqual([
      { owner: "Other", repo: "Lib", number: 5 },
      { owner: "team", repo: "svc", number: 6 },
    ]);
  });

  it("reads URLs written as Markdown links and autolinks", () => {
    expect(parseDependencyRefs("Blocked by [the API](https://github.com/a/b/issues/7), <https://github.com/a/b/issues/8>", here)).toEqual([
      { owner: "a", repo: "b", number: 7 },
      { owner: "a", repo: "b", number: 8 },
    ]);
  });

  it("does not take pull-request or other URLs for issues", () => {
    expect(parseDependencyRefs("Depends on https://github.com/a/b/pull/7", here)).toEqual([]);
    expect(parseDependencyRefs("Depends on https://example.com/a/b/c/issues/7", here)).toEqual([]);
  });

  it("separates references with commas, spaces and 'and'", () => {
    expect(parseDependencyRefs("Depends on #1, #2 #3 and #4, and #5 & #6", here)).toEqual([1, 2, 3, 4, 5, 6].map(local));
  });

  it("stops at the first thing that is not a reference", () => {
    expect(parseDependencyRefs("Depends on #1 (the old #2 is closed) and #3", here)).toEqual([local(1)]);
    expect(parseDependencyRefs("Depends on #1 for the API, #2", here)).toEqual([local(1)]);
    expect(parseDependencyRefs("Depends on the login work", here)).toEqual([]);
  });

  it("rejects references glued to other text and impossible numbers", () => {
    expect(parseDependencyRefs("Depends on #12abc", here)).toEqual([]);
    expect(parseDependencyRefs("Depends on #1-2", here)).toEqual([]);
    expect(parseDependencyRefs("Depends on #0", here)).toEqual([]);
    expect(parseDependencyRefs("Depends on #2147483648", here)).toEqual([]);
    expect(parseDependencyRefs("Depends on #2147483647", here)).toEqual([local(2147483647)]);
    expect(parseDependencyRefs("Depends on -bad/x#1", here)).toEqual([]);
  });

  it("reads a reference after the bold ends", () => {
    expect(parseDependencyRefs("**Depends on #1**, #2", here)).toEqual([local(1), local(2)]);
  });

  it("collects every dependency line, in order, without duplicates", () => {
    const body = [
      "Depends on #3, #1",
      "Blocked by ACME/App#1 and #2",
      "- Depends on https://github.com/acme/APP/issues/3",
      "Depends on other/lib#9",
      "Blocked by Other/Lib#9",
    ].join("\n");
    expect(parseDependencyRefs(body, here)).toEqual([local(3), local(1), local(2), { owner: "other", repo: "lib", number: 9 }]);
  });

  it("returns the spelling found first", () => {
    expect(parseDependencyRefs("Depends on Other/Lib#9, other/lib#9", here)).toEqual([{ owner: "Other", repo: "Lib", number: 9 }]);
  });
});

describe("parseDependencyRefs: code, comments and quotes", () => {
  it("ignores fenced code blocks of backticks and tildes, until their fence closes", () => {
    const body = [
      "```md",
      "Depends on #1",
      "```",
      "~~~",
      "Depends on #2",
      "```",
      "Depends on #3",
      "~~~",
      "````",
      "```",
      "Depends on #4",
      "````",
      "Depends on #5",
    ].join("\n");
    expect(parseDependencyRefs(body, here)).toEqual([local(5)]);
  });

  it("treats an unclosed fence as code to the end", () => {
    expect(parseDependencyRefs("Depends on #1\n```\nDepends on #2", here)).toEqual([local(1)]);
  });

  it("recognises an indented fence inside a list item", () => {
    expect(parseDependencyRefs("- step\n    ```\n    Depends on #1\n    ```\nDepends on #2", here)).toEqual([local(2)]);
  });

  it("does not take inline code with backticks for a fence", () => {
    expect(parseDependencyRefs("```a` b```\nDepends on #1", here)).toEqual([local(1)]);
  });

  it("ignores references inside inline code", () => {
    expect(parseDependencyRefs("Depends on `#5`, #6", here)).toEqual([local(6)]);
    expect(parseDependencyRefs("Depends on ``#5 ` x``", here)).toEqual([]);
  });

  it("ignores HTML comments, on one line or many", () => {
    expect(parseDependencyRefs("<!--\nDepends on #1\n-->\nDepends on #2 <!-- #3 -->", here)).toEqual([local(2)]);
    expect(parseDependencyRefs("<!-- note -->Depends on #4", here)).toEqual([local(4)]);
  });

  it("handles CRLF line ends", () => {
    expect(parseDependencyRefs("```\r\nDepends on #1\r\n```\r\nDepends on #2\r\n", here)).toEqual([local(2)]);
  });
});

describe("formatIssueRef", () => {
  it("shortens references within this repository, case-insensitively", () => {
    expect(formatIssueRef(local(12), here)).toBe("#12");
    expect(formatIssueRef({ owner: "ACME", repo: "App", number: 12 }, here)).toBe("#12");
  });

  it("qualifies references to other repositories", () => {
    expect(formatIssueRef({ owner: "other", repo: "lib", number: 3 }, here)).toBe("other/lib#3");
    expect(formatIssueRef({ owner: "acme", repo: "lib", number: 3 }, here)).toBe("acme/lib#3");
  });

  it("round-trips through the parser", () => {
    const refs = [local(1), { owner: "other", repo: "lib", number: 2 }];
    expect(parseDependencyRefs(`Depends on ${refs.map((r) => formatIssueRef(r, here)).join(", ")}`, here)).toEqual(refs);
  });
});

describe("proseLines", () => {
  it("keeps prose, blanks code spans and same-line comments, and drops code, comments and quotes", () => {
    const lines = proseLines("a `x` b <!-- c --> d\n> quoted\n```\ncode\n```\n<!-- start\nhidden\nend -->tail");
    // The line a comment opens on keeps what comes before the comment (here, nothing).
    expect(lines.map((l) => l.text)).toEqual(["a     b            d", "", "       tail"]);
    expect(lines.map((l) => l.uncommented)).toEqual(["a `x` b            d", "", "       tail"]);
    expect(lines[0]?.raw).toBe("a `x` b <!-- c --> d");
  });

  it("stays linear on a line of unmatched backtick runs", () => {
    const runs = Array.from({ length: 300 }, (_, i) => "`".repeat(i + 1)).join(" x ");
    expect(proseLines(runs)[0]?.text).toBe(runs);
  });
});
