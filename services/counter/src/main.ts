import { createLogger, runMain } from "@honorarium/shared";
import { createShutdown } from "@honorarium/shared/infra";
import { loadCounterConfig } from "./config.ts";
import { createCounterService } from "./counter-service.ts";

runMain(async () => {
  const config = loadCounterConfig();
  const logger = createLogger("counter", config.LOG_LEVEL);
  const counter = createCounterService(config, logger);
  const shutdown = createShutdown(logger);
  shutdown.register("counter", () => counter.stop());
  shutdown.installSignalHandlers();
  await counter.start();
});
