import { describe, expect, it } from "vitest";
import { combinePushOutcomes, webPushOutcome, webhookOutcome } from "./send-outcome.ts";

describe("webhook outcomes", () => {
  it("deliver on 2xx, retry 408, 429 and 5xx, and give up on every other status", () => {
    expect([200, 201, 204].map(webhookOutcome)).toEqual(["delivered", "delivered", "delivered"]);
    expect([408, 429, 500, 502, 503].map(webhookOutcome)).toEqual(Array(5).fill("retryable_error"));
    expect([400, 401, 403, 404, 410, 422].map(webhookOutcome)).toEqual(Array(6).fill("permanent_error"));
    expect([301, 302].map(webhookOutcome)).toEqual(["permanent_error", "permanent_error"]);
  });
});

describe("web push outcomes", () => {
  it("treat 404 and 410 as a subscription that is gone", () => {
    expect(webPushOutcome(410)).toEqual({ outcome: "permanent_error", subscriptionGone: true });
    expect(webPushOutcome(404)).toEqual({ outcome: "permanent_error", subscriptionGone: true });
    expect(webPushOutcome(201)).toEqual({ outcome: "delivered", subscriptionGone: false });
    expect(webPushOutcome(429)).toEqual({ outcome: "retryable_error", subscriptionGone: false });
    expect(webPushOutcome(413)).toEqual({ outcome: "permanent_error", subscriptionGone: false });
  });

  it("count a job delivered when any device accepted it, retry only when none did and one may still", () => {
    expect(combinePushOutcomes([])).toBe("skipped");
    expect(combinePushOutcomes(["retryable_error", "delivered"])).toBe("delivered");
    expect(combinePushOutcomes(["permanent_error", "retryable_error"])).toBe("retryable_error");
    expect(combinePushOutcomes(["permanent_error", "permanent_error"])).toBe("permanent_error");
  });
});
