import { describe, expect, it } from "vitest";
import { effectivePreferences } from "./notification-preferences.ts";

describe("notification preferences", () => {
  it("are all on by default and a stored choice overrides only its own channel and category", () => {
    const all = effectivePreferences([]);
    expect(all).toHaveLength(6);
    expect(all.every((entry) => entry.enabled)).toBe(true);
    const chosen = effectivePreferences([{ channel: "web_push", category: "threshold_crossed", enabled: false }]);
    expect(chosen.filter((entry) => !entry.enabled)).toEqual([{ channel: "web_push", category: "threshold_crossed", enabled: false }]);
  });
});
