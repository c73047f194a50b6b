import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { applicationServerKey } from "./push.ts";

describe("applicationServerKey", () => {
  it("decodes the API's base64url VAPID key to the 65-byte uncompressed P-256 point", () => {
    const jwk = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ format: "jwk" });
    const raw = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x ?? "", "base64url"), Buffer.from(jwk.y ?? "", "base64url")]);
    const bytes = applicationServerKey(raw.toString("base64url"));
    expect(bytes.length).toBe(65);
    expect(Buffer.from(bytes).equals(raw)).toBe(true);
  });

  it("accepts padding and unpadded lengths alike", () => {
    expect([...applicationServerKey("-_8")]).toEqual([0xfb, 0xff]);
    expect([...applicationServerKey("-_8=")]).toEqual([0xfb, 0xff]);
  });
});
