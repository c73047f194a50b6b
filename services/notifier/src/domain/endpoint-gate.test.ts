import { describe, expect, it } from "vitest";
import { createEndpointGate } from "./endpoint-gate.ts";

describe("the per-endpoint gate", () => {
  it("caps sends in flight per endpoint and leaves other endpoints alone", () => {
    const gate = createEndpointGate({ concurrency: 2, ratePerSecond: 100 });
    expect(gate.acquire("h", 0)).toBe(true);
    expect(gate.acquire("h", 0)).toBe(true);
    expect(gate.acquire("q", 0)).toBe(true);
    const allowance = gate.allowance(0);
    expect(allowance.blocked).toEqual(["h"]);
    expect(allowance.remaining).toEqual({ q: 1 });
    expect(allowance.defaultRemaining).toBe(2);
    gate.release("h");
    expect(gate.allowance(0).remaining.h).toBe(1);
  });

  it("counts an overshoot (a concurrent claim's) and blocks the endpoint until it is paid back", () => {
    const gate = createEndpointGate({ concurrency: 1, ratePerSecond: 1000 });
    expect(gate.acquire("h", 0)).toBe(true);
    expect(gate.acquire("h", 0)).toBe(false);
    expect(gate.inFlight("h")).toBe(2);
    gate.release("h");
    expect(gate.allowance(0).blocked).toEqual(["h"]);
    gate.release("h");
    expect(gate.allowance(0).remaining).toEqual({ h: 1 });
  });

  it("throttles to the configured messages per second, refilling with the clock", () => {
    const gate = createEndpointGate({ concurrency: 100, ratePerSecond: 2 });
    expect(gate.acquire("e", 1_000)).toBe(true);
    gate.release("e");
    expect(gate.acquire("e", 1_000)).toBe(true);
    gate.release("e");
    expect(gate.allowance(1_000).blocked).toEqual(["e"]);
    // Half a second later one token is back.
    expect(gate.allowance(1_500).remaining).toEqual({ e: 1 });
    expect(gate.acquire("e", 1_500)).toBe(true);
    gate.release("e");
    // Taken beyond the limit (a concurrent claim): the debt keeps it blocked a while longer.
    expect(gate.acquire("e", 1_500)).toBe(false);
    gate.release("e");
    expect(gate.allowance(1_900).blocked).toEqual(["e"]);
    expect(gate.allowance(2_600).remaining).toEqual({ e: 1 });
  });

  it("forgets an idle endpoint once its bucket is full again", () => {
    const gate = createEndpointGate({ concurrency: 1, ratePerSecond: 1 });
    expect(gate.acquire("e", 0)).toBe(true);
    gate.release("e");
    expect(gate.allowance(500).blocked).toEqual(["e"]);
    expect(gate.allowance(1_000)).toEqual({ blocked: [], remaining: {}, defaultRemaining: 1 });
  });

  it("refuses nonsensical limits", () => {
    expect(() => createEndpointGate({ concurrency: 0, ratePerSecond: 1 })).toThrow(RangeError);
    expect(() => createEndpointGate({ concurrency: 1, ratePerSecond: 0 })).toThrow(RangeError);
  });
});
