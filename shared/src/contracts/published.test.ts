import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PUBLISHED_TOPICS } from "./published.ts";
import { renderPublishedContracts } from "./render.ts";

const root = new URL("../../../", import.meta.url);

describe("published contracts (JSON Schema, AsyncAPI)", () => {
  it.each(renderPublishedContracts())(
    "%s matches the zod schemas (run npm run contracts:generate after changing them)",
    (path, expected) => {
      expect(readFileSync(new URL(path, root), "utf8")).toBe(expected);
    },
  );

  it("documents every topic and its dead-letter topic in AsyncAPI", () => {
    const document = parse(readFileSync(new URL("contracts/asyncapi.yaml", root), "utf8")) as {
      channels: Record<string, { address: string }>;
    };
    const addresses = Object.values(document.channels).map((channel) => channel.address);
    for (const { topic } of PUBLISHED_TOPICS) {
      expect(addresses).toContain(topic);
      expect(addresses).toContain(`${topic}.dlq`);
    }
  });
});
