export * from "./env.ts";
export * from "./logger.ts";
export * from "./run-main.ts";
export * from "./contracts/index.ts";
export * from "./domain/index.ts";
