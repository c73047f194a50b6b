import { createLogger, runMain } from "@honorarium/shared";
import { createShutdown } from "@honorarium/shared/infra";
import { loadCounterConfig } from "./config.ts";
import { createCounterService } from "./counter-service.ts";

runMain(async () => {
  const config = loadCounterConfig();
  const logger = createLogger("counter", config.LOG_LEVEL);
  const shutdown = createShutdown(logger);
  const counter = createCounterService(config, logger, {
    // Exit non-zero so the supervisor (compose, Kubernetes) restarts a counter that stopped consuming.
    onFatal: () => shutdown.terminate("consumer crashed without restart", 1),
  });
  shutdown.register("counter", () => counter.stop());
  shutdown.installSignalHandlers();
  await counter.start();
});
