export { createCounterService, type CounterService } from "./counter-service.ts";
export { loadCounterConfig, type CounterConfig } from "./config.ts";
