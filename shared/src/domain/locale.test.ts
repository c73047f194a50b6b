import { describe, expect, it } from "vitest";
import { DEFAULT_LOCALE, isLocale, localeOrDefault } from "./locale.ts";

describe("locales", () => {
  it("knows only its own locales and falls back to nb", () => {
    expect(DEFAULT_LOCALE).toBe("nb");
    expect(isLocale("nb")).toBe(true);
    expect(isLocale("nn")).toBe(true);
    expect(isLocale("de")).toBe(false);
    expect(isLocale("NB")).toBe(false);
    expect(localeOrDefault("de")).toBe("nb");
    expect(localeOrDefault(undefined)).toBe("nb");
    expect(localeOrDefault("en")).toBe("en");
  });
});
