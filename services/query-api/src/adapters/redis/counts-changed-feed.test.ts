import { describe, expect, it } from "vitest";
import { COUNTS_CHANGED_STREAM_FIELD } from "@honorarium/shared/contracts";
import { compareStreamIds, isStreamId, parseStreamEntry } from "./counts-changed-feed.ts";

const message = {
  organizationId: "8e4f1a48-7c43-4bbc-9a44-4e2bd3f4b2c1",
  scopeId: null,
  peerMentorId: "1b4e28ba-2fa1-41d2-883f-0016d3cca427",
  monthKeys: ["2026-06"],
  crossedRecordIds: [],
  at: "2026-06-15T10:00:00.000Z",
};

describe("counts-changed stream entries", () => {
  it("reads the contract's JSON field, with the entry id as the id", () => {
    expect(parseStreamEntry("1-0", [COUNTS_CHANGED_STREAM_FIELD, JSON.stringify(message)])).toEqual({ ...message, id: "1-0" });
  });
  it("skips entries that are not the contract", () => {
    expect(parseStreamEntry("3-0", [COUNTS_CHANGED_STREAM_FIELD, "{not json"])).toBeUndefined();
    expect(parseStreamEntry("3-0", [COUNTS_CHANGED_STREAM_FIELD, JSON.stringify({ ...message, organizationId: "x" })])).toBeUndefined();
    expect(parseStreamEntry("3-0", ["data", JSON.stringify(message)])).toBeUndefined();
  });
  it("orders ids numerically, not as text", () => {
    expect(compareStreamIds("9-0", "10-0")).toBe(-1);
    expect(compareStreamIds("10-2", "10-10")).toBe(-1);
    expect(compareStreamIds("10-10", "10-10")).toBe(0);
    expect(isStreamId("1732380000000-0")).toBe(true);
    expect(isStreamId("1732380000000")).toBe(false);
  });
});
