import { defineConfig } from "vitest/config";

const UNIT = ["shared/src/**/*.test.ts", "services/*/src/**/*.test.ts", "test/**/*.test.ts"];
const INTEGRATION = ["shared/test/**/*.integration.test.ts", "services/*/test/**/*.integration.test.ts", "test/**/*.integration.test.ts"];
const EXCLUDED = ["**/node_modules/**", "**/dist/**", "**/*.integration.test.ts"];
// Pure time logic runs again under other host zones to prove it never reads the host's.
const ZONE_SENSITIVE = ["shared/src/domain/**/*.test.ts", "services/*/src/domain/**/*.test.ts"];

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: UNIT, exclude: EXCLUDED } },
      {
        test: {
          name: "unit-tz-utc",
          include: ZONE_SENSITIVE,
          exclude: EXCLUDED,
          env: { TZ: "UTC", EXPECT_HOST_TZ: "UTC" },
        },
      },
      {
        test: {
          name: "unit-tz-los-angeles",
          include: ZONE_SENSITIVE,
          exclude: EXCLUDED,
          env: { TZ: "America/Los_Angeles", EXPECT_HOST_TZ: "America/Los_Angeles" },
        },
      },
      {
        test: {
          name: "integration",
          include: INTEGRATION,
          exclude: ["**/node_modules/**", "**/dist/**"],
          // Brings up (or finds) Kafka, PostgreSQL and Redis once for the whole run.
          globalSetup: ["shared/src/testing/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: "forks",
          // 2 cores and one broker: a few files at a time.
          maxWorkers: 3,
        },
      },
    ],
  },
});
