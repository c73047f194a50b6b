// npm run contracts:generate — writes contracts/json-schema/*.schema.json and contracts/asyncapi.yaml
// from the zod schemas in shared/src/contracts, and contracts/query-api.openapi.json from the query
// API's router. Tests fail when the checked-in files drift.
import { mkdirSync, writeFileSync } from "node:fs";
import { renderPublishedContracts } from "@honorarium/shared/contracts";
import { OPENAPI_DOCUMENT_PATH, renderOpenApiDocument } from "@honorarium/query-api/openapi";

const root = new URL("../", import.meta.url);
for (const [path, content] of [...renderPublishedContracts(), [OPENAPI_DOCUMENT_PATH, renderOpenApiDocument()] as const]) {
  const target = new URL(path, root);
  mkdirSync(new URL("./", target), { recursive: true });
  writeFileSync(target, content);
  console.log(`wrote ${path}`);
}
