import { describe, expect, it } from "vitest";
import { checkBoard, isStartMove, parseBoardUrl, pendingWrites, resolveCard, type BoardShape, type CardValues } from "../../../src/core/board.js";
import { parseMilestoneSettings, parseRepoConfigYaml } from "../../../src/core/repo-config.js";

const shape = (status: string[] | null, extra: BoardShape["fields"] = []): BoardShape => ({
  projectId: "PVT_1",
  title: "Board",
  fields: [...(status ? [{ id: "S", name: "Status", dataType: "SINGLE_SELECT", options: status.map((name, i) => ({ id: `o${i}`, name })) }] : []), ...extra],
});
const values = (over: Partial<CardValues> = {}): CardValues => ({ status: "ready", phase: null, priority: null, agent: null, attempts: null, ...over });
const statusOf = (s: BoardShape, v: CardValues, map = {}) => resolveCard(s, v, map).find((w) => w.field === "Status")?.shown;

describe("board URL", () => {
  it("takes an organization project (and its views), refuses user projects and non-URLs with the reason", () => {
    expect(parseBoardUrl("https://github.com/orgs/acme/projects/3")).toMatchObject({ ok: true, board: { org: "acme", number: 3 } });
    expect(parseBoardUrl("https://github.com/orgs/acme/projects/3/views/2/")).toMatchObject({ ok: true, board: { number: 3 } });
    expect(parseBoardUrl("https://github.com/users/bob/projects/1")).toMatchObject({ ok: false, error: expect.stringContaining("user-owned") });
    expect(parseBoardUrl("projects/3")).toMatchObject({ ok: false, error: expect.stringContaining("organization's project") });
    expect(parseBoardUrl("https://github.com/orgs/acme/projects/0")).toMatchObject({ ok: false });
  });

  it("is read from the repository config and the milestone block; board_statuses keys are checked", () => {
    expect(parseRepoConfigYaml("board: https://github.com/orgs/a/projects/1\nboard_statuses:\n  ready: Queued\n")).toMatchObject({
      ok: true,
      config: { board: { org: "a", number: 1 }, boardStatuses: { ready: "Queued" } },
    });
    expect(parseRepoConfigYaml("board_statuses:\n  in_reveiw: QA\n")).toEqual({
      ok: false,
      error: "board_statuses.in_reveiw: unknown setting; did you mean in_review?",
    });
    expect(parseMilestoneSettings("```codewalkers\nboard: https://github.com/orgs/a/projects/2\n```").settings.board).toMatchObject({ number: 2 });
  });
});

describe("card values on a board", () => {
  it("uses the option of the same name, else the nearest default, else the mapping", () => {
    const full = shape(["Blocked", "Ready", "In Progress", "In Review", "Done"]);
    const defaults = shape(["Todo", "In Progress", "Done"]);
    expect(statusOf(full, values({ status: "blocked" }))).toBe("Blocked");
    expect(statusOf(defaults, values({ status: "blocked" }))).toBe("Todo");
    expect(statusOf(defaults, values({ status: "in_review" }))).toBe("Done");
    expect(statusOf(defaults, values({ status: "needs_input" }))).toBe("In Progress");
    expect(statusOf(shape(["Queued", "Done"]), values(), { ready: "queued" })).toBe("Queued");
  });

  it("writes kept fields of the right type only, and only what the card does not show yet", () => {
    const s = shape(
      ["Todo", "Done"],
      [
        { id: "P", name: "phase", dataType: "TEXT" },
        { id: "A", name: "Attempts", dataType: "TEXT" },
        { id: "G", name: "Agent", dataType: "TEXT" },
      ],
    );
    const writes = resolveCard(s, values({ phase: "Cart", attempts: 2, agent: "jolly-penguin" }), {});
    expect(writes.map((w) => w.field)).toEqual(["Status", "Phase", "Agent"]);
    expect(pendingWrites(writes, { Status: "Todo", Phase: "Cart" }).map((w) => w.field)).toEqual(["Agent"]);
  });

  it("says why a board is unusable, and what it leaves alone", () => {
    expect(checkBoard(shape(null), {}).problem).toContain("no `Status` field");
    expect(checkBoard(shape(["Backlog", "Shipped"]), {}).problem).toContain("none of the options");
    expect(checkBoard(shape(null, [{ id: "S", name: "Status", dataType: "TEXT" }]), {}).problem).toContain("text field");
    const partial = checkBoard(shape(["Todo", "Done"], [{ id: "A", name: "Attempts", dataType: "TEXT" }]), { ready: "Queued" });
    expect(partial.problem).toBeNull();
    expect(partial.notes.join("\n")).toMatch(/Queued[\s\S]*Attempts/);
  });

  it("starts work from Ready, else from In Progress", () => {
    expect(isStartMove(shape(["Todo", "Ready", "In Progress"]), {}, "ready")).toBe(true);
    expect(isStartMove(shape(["Todo", "Ready", "In Progress"]), {}, "In Progress")).toBe(false);
    expect(isStartMove(shape(["Todo", "In Progress", "Done"]), {}, "In Progress")).toBe(true);
    expect(isStartMove(shape(["Todo", "In Progress", "Done"]), {}, "Todo")).toBe(false);
  });
});
