import { createLogger, runMain } from "@honorarium/shared";
import { createDatabase } from "@honorarium/shared/db";
import { connectRedisBestEffort, createMetricsRegistry, createRedis, createShutdown } from "@honorarium/shared/infra";
import { loadQueryApiConfig } from "./config.ts";
import { createQueryApiServer } from "./server/http-server.ts";

async function main(): Promise<void> {
  const config = loadQueryApiConfig();
  const logger = createLogger("query-api", config.LOG_LEVEL);
  const shutdown = createShutdown(logger);
  const db = createDatabase(config.DATABASE_URL, { applicationName: "query-api", poolMax: 20 });
  shutdown.register("postgres", () => db.destroy());
  const redis = createRedis(config.REDIS_URL, logger, "redis");
  const subscriberRedis = createRedis(config.REDIS_URL, logger, "redis-subscriber");
  shutdown.register("redis", async () => {
    redis.disconnect();
  });
  if (!(await connectRedisBestEffort(redis)))
    logger.warn("redis unavailable at start; serving without cache and live updates until it answers");
  const server = createQueryApiServer({ config, db, redis, subscriberRedis, logger, registry: createMetricsRegistry("query-api") });
  shutdown.register("http", () => server.stop());
  shutdown.installSignalHandlers();
  await server.start();
}

runMain(main);
