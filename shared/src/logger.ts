import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

/**
 * JSON logs to stdout. Logs carry ids, never names or free text (DESIGN.md "Security and privacy");
 * secrets are redacted wherever they appear under these keys.
 */
export function createLogger(service: string, level: LevelWithSilent = "info"): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        "secret",
        "*.secret",
        "webhookSecret",
        "*.webhookSecret",
        "authorization",
        "*.authorization",
        "password",
        "*.password",
        "privateKey",
        "*.privateKey",
      ],
      censor: "[redacted]",
    },
  });
}
