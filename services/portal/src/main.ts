import { runMain } from "@honorarium/shared";
import { loadPortalConfig } from "./config.ts";
import { startPortal } from "./server/portal-server.ts";

runMain(() => startPortal(loadPortalConfig()));
