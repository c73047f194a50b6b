export * from "./period.ts";
export * from "./money.ts";
export * from "./thresholds.ts";
export * from "./entitlement.ts";
export * from "./notification-preferences.ts";
export * from "./outbound-target.ts";
export * from "./opening-balances.ts";
export * from "./locale.ts";
