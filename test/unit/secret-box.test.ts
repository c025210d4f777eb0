import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openSecret, sealSecret, SecretBoxError, WRONG_KEY_MESSAGE } from "../../src/lib/secret-box.js";

const key = randomBytes(32);
const SECRET = "sk-ant-api03-very-secret-value";

/** `sealed` with the character at `index` of part `part` changed (still valid base64url). */
function flip(sealed: string, part: number, index = 0): string {
  const parts = sealed.split(".");
  const text = parts[part]!;
  const swapped = text[index] === "A" ? "B" : "A";
  parts[part] = text.slice(0, index) + swapped + text.slice(index + 1);
  return parts.join(".");
}

describe("sealSecret / openSecret", () => {
  it("round-trips text, including empty and non-ASCII", () => {
    for (const text of [SECRET, "", "päss—wörd 🔑", JSON.stringify({ apiKey: SECRET }), "x".repeat(100_000)]) {
      expect(openSecret(key, sealSecret(key, text))).toBe(text);
    }
  });

  it("writes v1.<iv>.<tag>.<ciphertext> in base64url, without the plaintext", () => {
    const sealed = sealSecret(key, SECRET);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(sealed).not.toContain(Buffer.from(SECRET).toString("base64url"));
  });

  it("uses a fresh IV each time: sealing twice gives different values", () => {
    const a = sealSecret(key, SECRET);
    const b = sealSecret(key, SECRET);
    expect(a).not.toBe(b);
    expect(a.split(".")[1]).not.toBe(b.split(".")[1]);
    expect(openSecret(key, a)).toBe(openSecret(key, b));
  });

  it("refuses a wrong key with a clear message", () => {
    const sealed = sealSecret(key, SECRET);
    expect(() => openSecret(randomBytes(32), sealed)).toThrow(new SecretBoxError(WRONG_KEY_MESSAGE));
    expect(WRONG_KEY_MESSAGE).toBe("cannot decrypt: wrong CW_SECRET_KEY or corrupted value");
  });

  it("detects a tampered IV, tag or ciphertext", () => {
    const sealed = sealSecret(key, SECRET);
    for (const part of [1, 2, 3]) {
      expect(() => openSecret(key, flip(sealed, part)), `part ${part}`).toThrow(WRONG_KEY_MESSAGE);
    }
    // A truncated tag (GCM would accept shorter tags) and dropped or extra parts.
    const [v, iv, tag, ct] = sealed.split(".");
    expect(() => openSecret(key, [v, iv, tag!.slice(0, 12), ct].join("."))).toThrow(WRONG_KEY_MESSAGE);
    expect(() => openSecret(key, [v, iv, tag].join("."))).toThrow(WRONG_KEY_MESSAGE);
    expect(() => openSecret(key, `${sealed}.AAAA`)).toThrow(WRONG_KEY_MESSAGE);
    expect(() => openSecret(key, [v, iv, tag, `${ct}!`].join("."))).toThrow(WRONG_KEY_MESSAGE);
  });

  it("refuses a value that is not v1 (or not sealed at all)", () => {
    const sealed = sealSecret(key, SECRET);
    expect(() => openSecret(key, sealed.replace(/^v1\./, "v2."))).toThrow("cannot decrypt: not a sealed v1 value");
    expect(() => openSecret(key, SECRET)).toThrow("cannot decrypt: not a sealed v1 value");
    expect(() => openSecret(key, "")).toThrow(SecretBoxError);
  });

  it("never puts the plaintext in an error message", () => {
    const sealed = sealSecret(key, SECRET);
    try {
      openSecret(randomBytes(32), sealed);
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain(SECRET);
    }
  });

  it("requires a 32-byte key", () => {
    expect(() => sealSecret(randomBytes(16), SECRET)).toThrow("CW_SECRET_KEY must be 32 bytes, not 16");
    expect(() => openSecret(randomBytes(31), sealSecret(key, SECRET))).toThrow("must be 32 bytes");
  });
});
