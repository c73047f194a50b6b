import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EnvError, commonEnvSchema, envVar, loadEnv } from "./env.ts";

describe("loadEnv", () => {
  it("applies defaults for the local machine", () => {
    const env = loadEnv(commonEnvSchema, {});
    expect(env.KAFKA_BROKERS).toEqual(["127.0.0.1:9092"]);
    expect(env.DATABASE_URL).toBe("postgres://postgres@127.0.0.1:5432/honorarium");
    expect(env.LOG_LEVEL).toBe("info");
  });

  it("splits comma-separated brokers", () => {
    expect(loadEnv(commonEnvSchema, { KAFKA_BROKERS: "a:1, b:2," }).KAFKA_BROKERS).toEqual(["a:1", "b:2"]);
  });

  it("names every missing or invalid variable in one error, without values", () => {
    const schema = z.object({
      ...commonEnvSchema.shape,
      AUTH_JWT_SECRET: z.string().min(32),
      QUERY_API_PORT: envVar.port(4000),
      FEATURE: envVar.bool(false),
    });
    let caught: unknown;
    try {
      loadEnv(schema, { DATABASE_URL: "not a url", QUERY_API_PORT: "99999", FEATURE: "maybe", LOG_LEVEL: "loud" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvError);
    const problems = (caught as EnvError).problems;
    expect(problems.some((p) => p.startsWith("AUTH_JWT_SECRET: required but not set"))).toBe(true);
    expect(problems.some((p) => p.startsWith("DATABASE_URL:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("QUERY_API_PORT:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("FEATURE:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("LOG_LEVEL:"))).toBe(true);
    expect((caught as EnvError).message).not.toContain("not a url");
  });

  it("treats empty strings as unset", () => {
    expect(loadEnv(commonEnvSchema, { REDIS_URL: "" }).REDIS_URL).toBe("redis://127.0.0.1:6379");
  });
});
