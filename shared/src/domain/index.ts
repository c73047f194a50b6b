export * from "./period.ts";
