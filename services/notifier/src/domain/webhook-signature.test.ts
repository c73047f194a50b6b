import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { signWebhook } from "./webhook-signature.ts";

const secret = `whsec_${Buffer.alloc(32, 42).toString("base64")}`;

describe("Standard Webhooks signatures", () => {
  it("verify with the reference implementation", () => {
    const body = JSON.stringify({ type: "honorarium.threshold_crossed", data: { recordId: "r" } });
    const headers = signWebhook(secret, "msg_1", Math.floor(Date.now() / 1000), body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(headers["webhook-signature"]).toBe(
      new Webhook(secret).sign("msg_1", new Date(Number(headers["webhook-timestamp"]) * 1000), body),
    );
  });

  it("fail for a tampered body, another id or another secret", () => {
    const body = JSON.stringify({ amount: "500.00" });
    const headers = signWebhook(secret, "msg_2", Math.floor(Date.now() / 1000), body);
    expect(() => new Webhook(secret).verify(body.replace("500", "900"), { ...headers })).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-id": "msg_3" })).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString("base64")}`).verify(body, { ...headers })).toThrow();
  });
});

describe("signatures during a rotation's overlap window", () => {
  const previous = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;

  it("list one signature per secret, each verifying with the reference implementation", () => {
    const body = JSON.stringify({ type: "honorarium.threshold_crossed", data: { recordId: "r" } });
    const headers = signWebhook([secret, previous], "msg_4", Math.floor(Date.now() / 1000), body);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 3).toString("base64")}`).verify(body, { ...headers })).toThrow();
  });

  it("refuse to sign with no secret", () => {
    expect(() => signWebhook([], "msg_5", 0, "{}")).toThrow(RangeError);
  });
});
