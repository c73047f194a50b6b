export * from "./services.ts";
export * from "./database.ts";
export * from "./kafka.ts";
export * from "./eventually.ts";
export * from "./ports.ts";
export * from "./processes.ts";
export * from "./fixtures.ts";
