import { describe, expect, it } from "vitest";
import { sameJson } from "../../../src/lib/same-json.js";

describe("sameJson", () => {
  it("is equal for the same values with object keys in another order, at any depth", () => {
    expect(sameJson({ a: 1, b: { c: [1, { d: "x", e: null }] } }, { b: { c: [1, { e: null, d: "x" }] }, a: 1 })).toBe(true);
    expect(sameJson([], [])).toBe(true);
    expect(sameJson("x", "x")).toBe(true);
    expect(sameJson(null, null)).toBe(true);
  });

  it("is not equal when a value, a key, an array's order or length, or a type differs", () => {
    expect(sameJson({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameJson({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(sameJson({ a: 1 }, { b: 1 })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson([1], [1, 1])).toBe(false);
    expect(sameJson({ 0: "a" }, ["a"])).toBe(false);
    expect(sameJson("1", 1)).toBe(false);
    expect(sameJson(null, {})).toBe(false);
    expect(sameJson(undefined, null)).toBe(false);
    expect(sameJson({ a: [1, { b: true }] }, { a: [1, { b: false }] })).toBe(false);
  });

  it("says what JSON would: left-out keys are absent, a Date is its text, a non-finite number is null", () => {
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, f: () => 1 })).toBe(true);
    expect(sameJson([undefined], [null])).toBe(true);
    expect(sameJson({ at: new Date("2026-01-02T03:04:05.000Z") }, { at: "2026-01-02T03:04:05.000Z" })).toBe(true);
    expect(sameJson({ n: Number.NaN }, { n: null })).toBe(true);
    // Whatever the inputs, it agrees with comparing their JSON once keys are sorted.
    const cases: [unknown, unknown][] = [
      [{ a: undefined }, {}],
      [{ a: [undefined, 2] }, { a: [null, 2] }],
      [{ a: new Date(0) }, { a: new Date(1) }],
    ];
    for (const [a, b] of cases) expect(sameJson(a, b), JSON.stringify([a, b])).toBe(sorted(a) === sorted(b));
  });
});

function sorted(v: unknown): string {
  return JSON.stringify(v, (_key, value: unknown) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : value,
  );
}
