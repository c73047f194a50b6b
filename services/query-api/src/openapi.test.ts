import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { appRouter } from "./routers/app.router.ts";
import { OPENAPI_DOCUMENT_PATH, openApiDocument, renderOpenApiDocument } from "./openapi.ts";

const root = new URL("../../../", import.meta.url);

describe("the query API's OpenAPI document", () => {
  it("matches the checked-in contract (run npm run contracts:generate after changing procedures)", () => {
    expect(readFileSync(new URL(OPENAPI_DOCUMENT_PATH, root), "utf8")).toBe(renderOpenApiDocument());
  });

  it("documents every procedure with its method and input schema", () => {
    const document = openApiDocument() as { paths: Record<string, Record<string, { parameters?: unknown[]; requestBody?: unknown }>> };
    const procedures = Object.keys((appRouter as unknown as { _def: { procedures: Record<string, unknown> } })._def.procedures);
    expect(Object.keys(document.paths).sort()).toEqual(procedures.map((name) => `/trpc/${name}`).sort());
    expect(Object.keys(document.paths["/trpc/counts.forMentor"] ?? {})).toEqual(["get"]);
    expect(Object.keys(document.paths["/trpc/payments.transition"] ?? {})).toEqual(["post"]);
    const transition = JSON.stringify(document.paths["/trpc/payments.transition"]?.post?.requestBody);
    for (const field of ["recordId", "organizationId", "processing", "paid", "cancelled"]) expect(transition).toContain(field);
  });
});
