import type { TestProject } from "vitest/node";
import { resolveTestServices, stopTestServices, type TestServices } from "./services.ts";

declare module "vitest" {
  export interface ProvidedContext {
    testServices: TestServices;
  }
}

/** Vitest globalSetup of the integration project: find or start the services once per run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const services = await resolveTestServices();
  project.provide("testServices", services);
  return stopTestServices;
}
