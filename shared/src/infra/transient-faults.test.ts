import { describe, expect, it } from "vitest";
import { createTransientFaultGate, isConfigurationError, isTransientBrokerCondition } from "./transient-faults.ts";

const LOADING = "The coordinator is loading and hence can't process requests for this group";

describe("transient broker conditions", () => {
  it("recognises what a starting or restarting broker answers, and nothing else", () => {
    for (const text of [
      LOADING,
      "COORDINATOR_LOAD_IN_PROGRESS: The coordinator is loading and hence can't process requests for this group",
      "This server does not host this topic-partition",
      "Connection error: connect ECONNREFUSED 127.0.0.1:9092",
      "Failed to find group coordinator",
    ])
      expect(isTransientBrokerCondition(text), text).toBe(true);
    for (const text of ["Topic authorization failed", "SASL authentication failed", "Invalid record batch", "value is not valid JSON"])
      expect(isTransientBrokerCondition(text), text).toBe(false);
  });

  it("is debug during the grace period and at its own level once an episode lasts longer", () => {
    let clock = 1_000_000;
    const gate = createTransientFaultGate({ graceMs: 30_000, now: () => clock });
    expect(gate.levelFor("error", LOADING)).toBe("debug");
    clock += 20_000;
    expect(gate.levelFor("error", LOADING)).toBe("debug");
    clock += 20_000; // 40 s into an episode that never paused for 30 s
    expect(gate.levelFor("error", LOADING)).toBe("error");
    expect(gate.levelFor("warn", "Connection error: connect ECONNREFUSED 127.0.0.1:9092")).toBe("warn");
  });

  it("starts a new episode after a quiet grace period", () => {
    let clock = 0;
    const gate = createTransientFaultGate({ graceMs: 30_000, now: () => clock });
    gate.levelFor("error", LOADING);
    clock += 31_000;
    gate.levelFor("error", LOADING);
    clock += 31_000;
    expect(gate.levelFor("error", LOADING)).toBe("debug");
  });

  it("never hides a condition that is not transient, and never raises a quiet one", () => {
    const gate = createTransientFaultGate({ graceMs: 30_000, now: () => 0 });
    expect(gate.levelFor("error", "Topic authorization failed")).toBe("error");
    expect(gate.levelFor("info", LOADING)).toBe("info");
  });
});

describe("isConfigurationError", () => {
  it("finds authorisation and invalid-setting errors through the cause chain, and nothing else", () => {
    // As @platformatic/kafka reports a broker's answer: a protocol error with the Kafka error name as apiId, nested in aggregates.
    const protocol = Object.assign(new Error("Not authorized to access group"), { apiId: "GROUP_AUTHORIZATION_FAILED" });
    expect(isConfigurationError(new Error("crash", { cause: protocol }))).toBe(true);
    expect(isConfigurationError(new AggregateError([new Error("other"), protocol], "joinGroup failed"))).toBe(true);
    expect(isConfigurationError(Object.assign(new Error("x"), { code: "PLT_KFK_AUTHENTICATION" }))).toBe(true);
    expect(isConfigurationError(Object.assign(new Error("fenced"), { apiId: "FENCED_INSTANCE_ID" }))).toBe(true);
    expect(isConfigurationError(new AggregateError([Object.assign(new Error("refused"), { code: "PLT_KFK_NETWORK" })], "x"))).toBe(false);
    expect(isConfigurationError(new Error("Failed to find group coordinator"))).toBe(false);
    expect(isConfigurationError(new Error("connect ECONNREFUSED 127.0.0.1:9092"))).toBe(false);
    expect(isConfigurationError("not an error")).toBe(false);
  });
});
