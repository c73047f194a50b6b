import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { EnvError } from "@honorarium/shared";

// No Docker engine runs on this project's machines, so the compose file is checked by reading it.
interface ComposeService {
  image?: string;
  restart?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(new URL("../docker-compose.yml", import.meta.url), "utf8"), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;

const APPLICATIONS = {
  counter: { entry: "services/counter/src/main.ts", port: "9464", loader: "loadCounterConfig" },
  notifier: { entry: "services/notifier/src/main.ts", port: "9465", loader: "loadNotifierConfig" },
  "query-api": { entry: "services/query-api/src/main.ts", port: "4000", loader: "loadQueryApiConfig" },
} as const;

describe("docker-compose.yml", () => {
  it("runs Kafka in KRaft mode, PostgreSQL 15 and Redis 7, each with a health check", () => {
    expect(services.kafka?.image).toMatch(/^apache\/kafka:4\./);
    expect(services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe("broker,controller");
    expect(services.kafka?.environment?.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe(1);
    expect(services.postgres?.image).toBe("postgres:15");
    expect(services.redis?.image).toBe("redis:7");
    for (const name of ["kafka", "postgres", "redis"]) {
      expect(services[name]?.healthcheck?.test.length).toBeGreaterThan(0);
      expect(services[name]?.restart).toBe("unless-stopped");
    }
  });

  it("migrates before any service starts", () => {
    expect(services.migrate?.command).toEqual(["node", "shared/src/db/migrate-cli.ts", "latest"]);
    expect(services.migrate?.depends_on?.postgres?.condition).toBe("service_healthy");
    // Retried on failure, but a completed migration is not run again and again.
    expect(services.migrate?.restart).toBe("on-failure");
  });

  it.each(Object.entries(APPLICATIONS))(
    "%s is built from the one Dockerfile, health-checked, published and wired",
    (name, { entry, port }) => {
      const service = services[name];
      expect(service?.build).toBe(".");
      // A service that exits is started again (issue 13: a notifier that exited stayed down).
      expect(service?.restart).toBe("unless-stopped");
      // Started as npm run start:* starts it: scripts/start-service.sh adds the Node flags and runs the entry.
      expect(service?.command).toEqual(["bash", "scripts/start-service.sh", name]);
      expect(existsSync(new URL(`../${entry}`, import.meta.url))).toBe(true);
      expect(service?.ports).toContain(`${port}:${port}`);
      expect(service?.healthcheck?.test.join(" ")).toContain(`127.0.0.1:${port}/healthz`);
      expect(service?.depends_on?.migrate?.condition).toBe("service_completed_successfully");
      for (const [dependency, { condition }] of Object.entries(service?.depends_on ?? {})) {
        if (dependency !== "migrate" && dependency !== "vapid-keys") expect(condition).toBe("service_healthy");
      }
    },
  );

  it.each(Object.entries(APPLICATIONS))(
    "sets every variable %s requires (its own config loader accepts the compose environment)",
    async (name, { loader }) => {
      const module = (await import(`@honorarium/${name}/config`)) as Record<string, (env: Record<string, string>) => unknown>;
      const load = module[loader];
      expect(load).toBeTypeOf("function");
      const environment = Object.fromEntries(Object.entries(services[name]?.environment ?? {}).map(([key, value]) => [key, String(value)]));
      expect(() => load?.(environment)).not.toThrow();
    },
  );

  it("gives the notifier and the query API the same development VAPID keys, made once and kept in a volume", () => {
    expect(services["vapid-keys"]?.command).toEqual(["node", "scripts/dev-vapid-keys.ts", "/vapid/vapid.env", "--no-print"]);
    expect(existsSync(new URL("../scripts/dev-vapid-keys.ts", import.meta.url))).toBe(true);
    for (const name of ["notifier", "query-api"]) {
      expect(services[name]?.environment?.VAPID_ENV_FILE).toBe("/vapid/vapid.env");
      expect(services[name]?.depends_on?.["vapid-keys"]?.condition).toBe("service_completed_successfully");
    }
    expect(readFileSync(new URL("../scripts/start-service.sh", import.meta.url), "utf8")).toContain('. "$VAPID_ENV_FILE"');
  });

  it("would be caught leaving out a required variable", async () => {
    const { loadQueryApiConfig } = await import("@honorarium/query-api/config");
    const { AUTH_JWT_SECRET: _left, ...environment } = Object.fromEntries(
      Object.entries(services["query-api"]?.environment ?? {}).map(([key, value]) => [key, String(value)]),
    );
    expect(() => loadQueryApiConfig(environment)).toThrow(EnvError);
  });
});
