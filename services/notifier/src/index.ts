export { createNotifier, type Notifier } from "./main.ts";
export { loadNotifierConfig, configFromEnv, notifierEnvSchema, type NotifierConfig } from "./config.ts";
