export * from "./kafka.ts";
export * from "./redis.ts";
export * from "./metrics.ts";
export * from "./ops-server.ts";
export * from "./shutdown.ts";
export * from "./assignment-producer.ts";
export * from "./postgres-offsets-consumer.ts";
export * from "./transient-faults.ts";
