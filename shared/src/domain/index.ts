export * from "./period.ts";
export * from "./money.ts";
export * from "./thresholds.ts";
