import { Registry, collectDefaultMetrics } from "prom-client";

/** One registry per service process, with Node's default metrics and a `service` label. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
