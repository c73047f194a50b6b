import { z } from "zod";
import { type AllowedHostPort, parseAllowedHostPort } from "./domain/outbound-target.ts";

/** A missing or invalid environment: one error naming every variable at fault. */
export class EnvError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
    this.problems = problems;
  }
}

/**
 * Parses `source` (process.env by default) with `schema`. Every failing variable is
 * named in one EnvError; values are never echoed (they may be secrets).
 */
export function loadEnv<Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape>,
  source: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<Shape>> {
  // Empty strings count as unset: `FOO= npm start` should fall back to the default.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".") || "(environment)";
    const unset = issue.code === "invalid_type" && cleaned[name] === undefined;
    return unset ? `${name}: required but not set` : `${name}: ${issue.message}`;
  });
  throw new EnvError(problems);
}

/** Reusable variable types. */
export const envVar = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  url: (fallback: string) => z.url().default(fallback),
  csv: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((value) =>
        value
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item.length > 0),
      )
      .pipe(z.array(z.string()).min(1, "needs at least one entry")),
  bool: (fallback: boolean) =>
    z
      .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" })
      .default(fallback ? "true" : "false")
      .transform((value) => value === "true" || value === "1" || value === "yes"),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  /** Comma-separated host names, lowercased (host names are case-insensitive); empty when unset. */
  hosts: () =>
    z
      .string()
      .default("")
      .transform((value) =>
        value
          .split(",")
          .map((item) => item.trim().toLowerCase())
          .filter((item) => item.length > 0),
      ),
  /**
   * Comma-separated `host:port` entries (`127.0.0.1:8080`, `[::1]:9000`, `127.0.0.1:*` for any
   * port) of outbound targets allowed over http and on private addresses; empty when unset.
   */
  hostPorts: () =>
    z
      .string()
      .default("")
      .transform((value, context): AllowedHostPort[] => {
        const entries: AllowedHostPort[] = [];
        for (const item of value.split(",").filter((part) => part.trim().length > 0)) {
          const parsed = parseAllowedHostPort(item);
          if ("error" in parsed) context.addIssue({ code: "custom", message: parsed.error });
          else entries.push(parsed);
        }
        return entries;
      }),
  logLevel: () => z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
};

/** The variables every service shares (DESIGN.md "Runtime contract"). */
export const commonEnvShape = {
  DATABASE_URL: envVar.url("postgres://postgres@127.0.0.1:5432/honorarium"),
  REDIS_URL: envVar.url("redis://127.0.0.1:6379"),
  KAFKA_BROKERS: envVar.csv("127.0.0.1:9092"),
  KAFKA_CLIENT_ID: z.string().min(1).default("honorarium-tracker"),
  LOG_LEVEL: envVar.logLevel(),
  /** Prefix of the live-update channel and stream (counter → query API); the two must agree. Empty in production. */
  LIVE_UPDATES_PREFIX: z.string().default(""),
};
export const commonEnvSchema = z.object(commonEnvShape);
