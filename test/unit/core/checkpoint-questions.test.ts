import { describe, expect, it } from "vitest";
import { questionOf, resolveDecision } from "../../../src/core/checkpoint-questions.js";
import { askForAction, askForDecision, askForVerification } from "../../../src/core/checkpoint-comments.js";

describe("questionOf", () => {
  it("takes list items and checkboxes as the options, and the rest as the question", () => {
    const body = "Which database?\n\n- [ ] PostgreSQL\n- [x] SQLite\n* MySQL\n1. DuckDB\n2) Redis\n\nPick one.";
    expect(questionOf("Pick", body)).toEqual({ question: "Which database?\n\nPick one.", items: ["PostgreSQL", "SQLite", "MySQL", "DuckDB", "Redis"] });
  });

  it("is the body itself without a list, and the title without a body", () => {
    expect(questionOf("Ship?", "Should we ship on Friday?")).toEqual({ question: "Should we ship on Friday?", items: [] });
    expect(questionOf("Ship on Friday?", null)).toEqual({ question: "Ship on Friday?", items: [] });
    expect(questionOf("Ship on Friday?", "- a\n- b")).toEqual({ question: "Ship on Friday?", items: ["a", "b"] });
  });

  it("leaves out code, comments, quotes and dependency lines", () => {
    const body = ["Which one?", "Depends on #3", "- Blocked by #4", "```", "- not an option", "```", "<!-- - hidden -->", "> - quoted", "- `real` option"].join(
      "\n",
    );
    expect(questionOf("T", body)).toEqual({ question: "Which one?", items: ["`real` option"] });
  });
});

describe("resolveDecision", () => {
  const options = ["PostgreSQL", "SQLite"];

  it("reads an option's number or its text as that option", () => {
    expect(resolveDecision("2", options)).toBe("SQLite");
    expect(resolveDecision(" #1 ", options)).toBe("PostgreSQL");
    expect(resolveDecision("2.", options)).toBe("SQLite");
    expect(resolveDecision("sqlite.", options)).toBe("SQLite");
  });

  it("takes anything else as written", () => {
    expect(resolveDecision("3", options)).toBe("3");
    expect(resolveDecision("Neither: use files.", options)).toBe("Neither: use files.");
    expect(resolveDecision("2", [])).toBe("2");
  });
});

describe("checkpoint comments", () => {
  it("lists a decision's options, or asks the question alone", () => {
    expect(askForDecision({ title: "T", description: "Which?\n- a\n- b" })).toContain("> Which?\n\n**Options:**\n\n1. a\n2. b");
    const plain = askForDecision({ title: "T", description: "Ship on Friday?" });
    expect(plain).toContain("> Ship on Friday?");
    expect(plain).not.toContain("Options");
  });

  it("asks to check the issue's checklist, or quotes what was asked, with the agent's summary", () => {
    const listed = askForVerification({ title: "T", description: "Do it.\n- [ ] tests pass" }, "Did it.");
    expect(listed).toContain("> Did it.");
    expect(listed).toContain("- [ ] tests pass");
    expect(listed).toContain("`/cw approve`");
    expect(askForVerification({ title: "T", description: "Do it.\nWell." }, "Did it.")).toContain("**What was asked:**\n\n> Do it.\n> Well.");
  });

  it("names the assignee of a human action, and quotes a long body only in part", () => {
    expect(askForAction({ title: "Sign", description: null }, "octo")).toContain("@octo, this is assigned to you");
    expect(askForAction({ title: "Sign", description: null }, null)).not.toContain("@");
    expect(askForAction({ title: "T", description: "x".repeat(5_000) }, null).length).toBeLessThan(2_600);
  });
});
