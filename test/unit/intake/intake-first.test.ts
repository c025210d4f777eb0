import { describe, expect, it } from "vitest";
import { IntakeFirst } from "../../../src/intake/intake-first.js";

describe("the intake goes first on PGlite", () => {
  it("holds a worker's turn while a delivery is being stored, and gives it once the store is done", async () => {
    const gate = new IntakeFirst(1, 60_000);
    let finishStore!: () => void;
    const store = gate.storing(() => new Promise<void>((resolve) => (finishStore = resolve)));
    let turned = false;
    const turn = gate.turn().then(() => (turned = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(turned).toBe(false);
    finishStore();
    await store;
    await turn;
    expect(turned).toBe(true);
  });

  it("never holds a worker longer than its limit, however busy the intake", async () => {
    const gate = new IntakeFirst(60_000, 20);
    gate.arrived();
    let turned = false;
    await gate.turn().then(() => (turned = true)); // the limit passes although deliveries "keep arriving"
    expect(turned).toBe(true);
  });

  it("lets a worker go at once when nothing arrives", async () => {
    let turned = false;
    await new IntakeFirst().turn().then(() => (turned = true));
    expect(turned).toBe(true);
  });
});
