import { describe, expect, it } from "vitest";
import {
  DELIVERY_STATES,
  NEW_DELIVERY,
  decideDelivery,
  honorariumTierForSequence,
  isLegalStep,
  type DeliveryEventStatus,
  type DeliveryRecordState,
  type DeliveryState,
} from "./delivery-lifecycle.ts";

const t = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute));

describe("isLegalStep: every pair of states", () => {
  const legal = new Set([
    "pending→delivered",
    "pending→expired",
    "delivered→opened",
    "delivered→expired",
    "opened→read_confirmed",
    "opened→expired",
  ]);
  for (const from of DELIVERY_STATES) {
    for (const to of DELIVERY_STATES) {
      const pair = `${from}→${to}`;
      it(`${pair} is ${legal.has(pair) ? "legal" : "illegal"}`, () => {
        expect(isLegalStep(from, to)).toBe(legal.has(pair));
      });
    }
  }
});

const at = (status: DeliveryState, minute = 0): DeliveryRecordState => ({
  status,
  deliveredAt: ["delivered", "opened", "read_confirmed"].includes(status) ? t(minute) : null,
  openedAt: ["opened", "read_confirmed"].includes(status) ? t(minute + 1) : null,
  readConfirmedAt: status === "read_confirmed" ? t(minute + 2) : null,
});

describe("decideDelivery", () => {
  it("creates a record on its first event: pending → delivered", () => {
    expect(decideDelivery(NEW_DELIVERY, "delivered", t(0))).toEqual({
      kind: "apply",
      next: { status: "delivered", deliveredAt: t(0), openedAt: null, readConfirmedAt: null },
      filledSteps: [],
    });
  });

  it("walks the lifecycle in order", () => {
    const delivered = decideDelivery(NEW_DELIVERY, "delivered", t(0));
    if (delivered.kind !== "apply") throw new Error("expected apply");
    const opened = decideDelivery(delivered.next, "opened", t(5));
    if (opened.kind !== "apply") throw new Error("expected apply");
    const confirmed = decideDelivery(opened.next, "read_confirmed", t(9));
    expect(confirmed).toEqual({
      kind: "apply",
      next: { status: "read_confirmed", deliveredAt: t(0), openedAt: t(5), readConfirmedAt: t(9) },
      filledSteps: [],
    });
  });

  it("applies an early event and fills the implied steps with its timestamp", () => {
    expect(decideDelivery(NEW_DELIVERY, "opened", t(7))).toEqual({
      kind: "apply",
      next: { status: "opened", deliveredAt: t(7), openedAt: t(7), readConfirmedAt: null },
      filledSteps: ["delivered"],
    });
    expect(decideDelivery(at("delivered", 0), "read_confirmed", t(8))).toEqual({
      kind: "apply",
      next: { status: "read_confirmed", deliveredAt: t(0), openedAt: t(8), readConfirmedAt: t(8) },
      filledSteps: ["opened"],
    });
  });

  it("ignores the late predecessor of an early event: never moves back", () => {
    expect(decideDelivery(at("opened"), "delivered", t(0))).toEqual({ kind: "ignore", reason: "stale" });
    expect(decideDelivery(at("opened"), "opened", t(3))).toEqual({ kind: "ignore", reason: "duplicate" });
  });

  it("keeps timestamps ordered when a device clock runs behind", () => {
    const decision = decideDelivery(at("delivered", 30), "opened", t(10));
    expect(decision.kind === "apply" && decision.next.openedAt).toEqual(t(30));
  });

  it("expires from any state before read_confirmed and from none after", () => {
    for (const status of ["pending", "delivered", "opened"] as const) {
      const decision = decideDelivery(at(status), "expired", t(50));
      expect(decision.kind === "apply" && decision.next.status).toBe("expired");
    }
    expect(decideDelivery(at("read_confirmed"), "expired", t(50))).toEqual({ kind: "ignore", reason: "terminal" });
  });

  it("treats read_confirmed and expired as terminal for every event", () => {
    const events: DeliveryEventStatus[] = ["delivered", "opened", "read_confirmed", "expired"];
    for (const terminal of ["read_confirmed", "expired"] as const) {
      for (const event of events) {
        expect(decideDelivery(at(terminal), event, t(59)).kind).toBe("ignore");
      }
    }
  });
});

describe("honorariumTierForSequence", () => {
  it("marks the 3rd and 15th delivery of a period", () => {
    expect([1, 2, 3, 4, 14, 15, 16].map(honorariumTierForSequence)).toEqual(["none", "none", "tier_1", "none", "none", "tier_2", "none"]);
  });
});
