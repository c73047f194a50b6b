export * from "./topics.ts";
export * from "./common.ts";
export * from "./assignment-events.ts";
export * from "./threshold-crossed.ts";
export * from "./examples.ts";
export * from "./event-ids.ts";
export * from "./live-updates.ts";
