/**
 * Equality of two JSON values with object keys in any order: PostgreSQL's jsonb does not keep
 * the order keys were written in, so a value read back must be compared this way. "Equal" is
 * what JSON would say: a key whose value JSON leaves out (undefined, a function) is as good as
 * absent, a Date is its ISO text, a number that is not finite is null. Compared in place, with
 * nothing serialised: it runs on every event (the repository's config against the stored one).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  const x = asJson(a);
  const y = asJson(b);
  if (x === y) return true;
  if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    // In an array JSON writes what it leaves out of an object as null.
    return x.every((v, i) => sameJson(inArray(v), inArray(y[i])));
  }
  const left = x as Record<string, unknown>;
  const right = y as Record<string, unknown>;
  let keys = 0;
  for (const key of Object.keys(left)) {
    if (omitted(left[key])) continue;
    keys++;
    if (!Object.hasOwn(right, key) || !sameJson(left[key], right[key])) return false;
  }
  for (const key of Object.keys(right)) if (!omitted(right[key])) keys--;
  return keys === 0;
}

/** The value as JSON would write it, for the cases that differ from the value itself. */
function asJson(v: unknown): unknown {
  if (v instanceof Date) return v.toJSON();
  if (typeof v === "number" && !Number.isFinite(v)) return null;
  return v;
}

function omitted(v: unknown): boolean {
  return v === undefined || typeof v === "function" || typeof v === "symbol";
}

function inArray(v: unknown): unknown {
  return omitted(v) ? null : v;
}
