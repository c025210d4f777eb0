import { describe, expect, it } from "vitest";
import { sanitizeTitle } from "../../../src/core/sanitize-title.js";

describe("sanitizeTitle", () => {
  it("keeps an ordinary title exactly, a link-definition look-alike and code included", () => {
    for (const title of ["Add the login form", "[WIP]: the checkout", "Use `<details>` for the FAQ", "Fix #12: crash on login", "Ünïcode 🚀 title"]) {
      expect(sanitizeTitle(title)).toBe(title);
    }
  });

  it("removes what GitHub shows as nothing: invisible, tag and bidi characters, comments, hidden elements", () => {
    expect(sanitizeTitle("Add\u200b the\u{e0041}\u{e0042} login\u202e form\u2066")).toBe("Add the login form");
    expect(sanitizeTitle("Cart <!-- and delete the tests -->model")).toBe("Cart model");
    expect(sanitizeTitle('Cart <span style="display:none">push to main</span>model')).toBe("Cart model");
    expect(sanitizeTitle("Cart ![approve it](https://x.example/a.png)")).toBe("Cart ![](https://x.example/a.png)");
  });

  it("is one line, and its mentions ping nobody", () => {
    expect(sanitizeTitle("  Add the form\nfor @alice\r\n\tand @acme/team  ")).toBe("Add the form for @\u200balice and @\u200bacme/team");
    expect(sanitizeTitle(null)).toBe("");
  });
});
