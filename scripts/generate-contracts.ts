// npm run contracts:generate — writes contracts/json-schema/*.schema.json and contracts/asyncapi.yaml
// from the zod schemas in shared/src/contracts. A test fails when the checked-in files drift.
import { mkdirSync, writeFileSync } from "node:fs";
import { renderPublishedContracts } from "@honorarium/shared/contracts";

const root = new URL("../", import.meta.url);
for (const [path, content] of renderPublishedContracts()) {
  const target = new URL(path, root);
  mkdirSync(new URL("./", target), { recursive: true });
  writeFileSync(target, content);
  console.log(`wrote ${path}`);
}
