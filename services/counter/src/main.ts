import { createLogger, runMain } from "@honorarium/shared";
import { createShutdown } from "@honorarium/shared/infra";
import { loadCounterConfig } from "./config.ts";
import { createCounterService } from "./counter-service.ts";

runMain(async () => {
  const config = loadCounterConfig();
  const logger = createLogger("counter", config.LOG_LEVEL);
  const shutdown = createShutdown(logger);
  const counter = createCounterService(config, logger, {
    // Broker and database faults are waited out; only a configuration error ends the process
    // (exit 2, as for invalid env), for the operator to fix.
    onFatal: () => shutdown.terminate("consumer configuration error", 2),
  });
  shutdown.register("counter", () => counter.stop());
  shutdown.installSignalHandlers();
  await counter.start();
});
