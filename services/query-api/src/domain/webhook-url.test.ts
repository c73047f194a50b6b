import type { AllowedHostPort } from "@honorarium/shared/domain";
import { describe, expect, it } from "vitest";
import { DomainError } from "./errors.ts";
import { checkWebhookUrl } from "./webhook-url.ts";

const refused = (url: string, allow: AllowedHostPort[] = []) => {
  try {
    checkWebhookUrl(url, allow);
    return false;
  } catch (error) {
    return error instanceof DomainError && error.kind === "invalid";
  }
};

describe("webhook URL guard", () => {
  it("accepts public https", () => {
    expect(checkWebhookUrl("https://hooks.example.org/honorarium", []).hostname).toBe("hooks.example.org");
  });
  it.each([
    "http://hooks.example.org/x",
    "ftp://hooks.example.org/x",
    "https://user:pw@hooks.example.org/x",
    "https://127.0.0.1/x",
    "https://10.1.2.3/x",
    "https://192.168.0.4/x",
    "https://169.254.169.254/latest",
    "https://[::1]/x",
    "https://localhost/x",
    "https://localhost./x",
    "https://[::127.0.0.1]/x",
    "https://[64:ff9b::7f00:1]/x",
    "https://[fec0::1]/x",
    "https://[ff02::1]/x",
    "https://[2001:db8::1]/x",
    "https://198.18.0.1/x",
    "https://192.0.0.1/x",
    "not a url",
  ])("refuses %s", (url) => {
    expect(refused(url)).toBe(true);
  });
  it("allows an allow-listed host over http", () => {
    expect(refused("http://127.0.0.1:8080/hook", [{ host: "127.0.0.1", port: 8080 }])).toBe(false);
    expect(refused("http://127.0.0.1:6379/", [{ host: "127.0.0.1", port: 8080 }])).toBe(true);
    expect(refused("http://127.0.0.1:8080/hook", [])).toBe(true);
  });
});
