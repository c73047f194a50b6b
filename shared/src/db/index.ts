export * from "./database.ts";
export * from "./ensure-database.ts";
export * from "./migrate.ts";
export * from "./tables.ts";
export * from "./organizations.ts";
export * from "./consumer-offsets.ts";
export * from "./array-literal.ts";
