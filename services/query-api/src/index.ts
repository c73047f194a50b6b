/**
 * The query API's public surface for the portal: the router type and a ready client. Client code
 * only (no server modules are imported here), so a browser bundle stays small.
 */
export type { AppRouter } from "./routers/app.router.ts";
export { createPortalClient, type PortalClient, type PortalClientOptions } from "./client/create-portal-client.ts";
export { FetchEventSource } from "./client/fetch-event-source.ts";
export type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
