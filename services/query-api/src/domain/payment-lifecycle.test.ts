import { describe, expect, it } from "vitest";
import { DomainError } from "./errors.ts";
import { PAYMENT_STATUSES, TARGET_PAYMENT_STATUSES, allowedPaymentTransitions, planPaymentTransition } from "./payment-lifecycle.ts";

const NOW = new Date("2026-03-01T10:00:00Z");
const LEGAL = new Set(["pending>processing", "pending>cancelled", "processing>paid", "processing>cancelled"]);

describe("payment lifecycle", () => {
  for (const from of PAYMENT_STATUSES) {
    for (const to of TARGET_PAYMENT_STATUSES) {
      const legal = LEGAL.has(`${from}>${to}`);
      it(`${from} → ${to} is ${legal ? "allowed" : "refused"}`, () => {
        if (legal) {
          const move = planPaymentTransition(from, to, NOW);
          expect(move).toEqual({ from, to, paymentProcessedAt: to === "paid" ? NOW : null });
        } else {
          let caught: unknown;
          try {
            planPaymentTransition(from, to, NOW);
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(DomainError);
          const error = caught as DomainError;
          expect(error.kind).toBe("conflict");
          expect(error.details?.allowed).toEqual([...allowedPaymentTransitions(from)]);
          expect(error.message).toContain(`allowed from ${from}`);
        }
      });
    }
  }
  it("final states allow nothing", () => {
    expect(allowedPaymentTransitions("paid")).toEqual([]);
    expect(allowedPaymentTransitions("cancelled")).toEqual([]);
  });
});
