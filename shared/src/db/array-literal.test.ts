import { describe, expect, it } from "vitest";
import { plainArrayLiteral } from "./array-literal.ts";

describe("plainArrayLiteral", () => {
  it("joins UUIDs and years into one array literal, from an array or any iterable", () => {
    const ids = ["8c0a2c43-7c1e-4d7a-9a41-3f6f4b0e2a10", "0F1E2D3C-4B5A-4968-8776-655443322110"];
    expect(plainArrayLiteral(ids)).toBe(`{${ids[0]},${ids[1]}}`);
    expect(plainArrayLiteral(new Set(["2026", "2026", "2027"]))).toBe("{2026,2027}");
    expect(plainArrayLiteral([])).toBe("{}");
  });

  it("refuses anything that would need quoting instead of sending a malformed literal", () => {
    for (const value of ["", "a,b", 'x"', "{1}", "NULL", "has space", "back\\slash", "ü"]) {
      expect(() => plainArrayLiteral([value]), value).toThrow(TypeError);
    }
  });
});
