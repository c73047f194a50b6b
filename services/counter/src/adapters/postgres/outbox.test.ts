import { describe, expect, it } from "vitest";
import { ORIGINAL_KEY_HEADER, outboxKafkaKey, storableText } from "./outbox.ts";

describe("storableText", () => {
  it("writes NUL as the six characters \\u0000 and keeps everything else", () => {
    expect(storableText("a\u0000b\u0000")).toBe("a\\u0000b\\u0000");
    expect(storableText("Høyere sats 😀")).toBe("Høyere sats 😀");
  });

  it("replaces lone surrogates (refused by jsonb) and keeps pairs", () => {
    expect(storableText("x\uD800y\uDC00z")).toBe("x\uFFFDy\uFFFDz");
    expect(storableText("\uD83D\uDE00")).toBe("\uD83D\uDE00");
  });
});

describe("outboxKafkaKey", () => {
  it("publishes message_key as UTF-8 when there is one", () => {
    expect(outboxKafkaKey("mentor-1", {})).toEqual(Buffer.from("mentor-1"));
  });

  it("publishes the original bytes kept in the header when message_key is null", () => {
    const bytes = Buffer.from([0x00, 0xff, 0x41]);
    expect(outboxKafkaKey(null, { [ORIGINAL_KEY_HEADER]: bytes.toString("base64") })).toEqual(bytes);
  });

  it("publishes no key when there was none", () => {
    expect(outboxKafkaKey(null, {})).toBeNull();
  });
});
