import { z } from "zod";
import { type AppRouter, appRouter } from "./routers/app.router.ts";

/**
 * The query API's procedures as an OpenAPI 3.1 document (DESIGN.md: "where the tRPC tooling
 * allows"), for clients without the typed tRPC client. Generated from the router itself: every
 * procedure, its HTTP method under tRPC's protocol, its input schema (from the zod parser), the
 * bearer token and the error shape. Outputs are described as tRPC's `{ result: { data } }`
 * envelope; their exact types live in the AppRouter type, because the procedures declare no
 * output parsers (validating every answer would cost each request time). Written to
 * contracts/query-api.openapi.json by `npm run contracts:generate` (a test fails on drift) and
 * served at GET /openapi.json.
 */

/** Where `npm run contracts:generate` writes the document, from the repository root. */
export const OPENAPI_DOCUMENT_PATH = "contracts/query-api.openapi.json";

interface ProcedureDef {
  type: "query" | "mutation" | "subscription";
  inputs: unknown[];
}

const ERROR_STATUSES: Record<string, { status: string; description: string }> = {
  BAD_REQUEST: { status: "400", description: "invalid input: `data.fieldErrors` names every failing field" },
  UNAUTHORIZED: { status: "401", description: "no valid Bearer token" },
  FORBIDDEN: { status: "403", description: "the caller's role, organization or scope does not allow this" },
  NOT_FOUND: { status: "404", description: "no such record in the caller's organization" },
  CONFLICT: { status: "409", description: "a business rule refused the change: `data.rule` names it, `data.details` says what is allowed" },
  TOO_MANY_REQUESTS: { status: "429", description: "the per-user rate limit; retry later" },
};

function inputSchemaOf(def: ProcedureDef): Record<string, unknown> {
  const parser = def.inputs[0];
  if (!(parser instanceof z.ZodType)) return { type: "object" };
  const { $schema: _dialect, ...schema } = z.toJSONSchema(parser, { io: "input", unrepresentable: "any" });
  return schema;
}

function operationOf(path: string, def: ProcedureDef): [method: "get" | "post", operation: Record<string, unknown>] {
  const [area = path] = path.split(".");
  const input = inputSchemaOf(def);
  const errors = Object.fromEntries(
    Object.values(ERROR_STATUSES).map(({ status, description }) => [
      status,
      { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
    ]),
  );
  const common = { operationId: path, tags: [area], security: [{ bearer: [] }] };
  if (def.type === "mutation") {
    return [
      "post",
      {
        ...common,
        requestBody: { required: true, content: { "application/json": { schema: input } } },
        responses: { "200": { $ref: "#/components/responses/Result" }, ...errors },
      },
    ];
  }
  const parameters = [
    {
      name: "input",
      in: "query",
      required: false,
      description: "The input as JSON (URL-encoded)",
      content: { "application/json": { schema: input } },
    },
  ];
  if (def.type === "subscription") {
    return [
      "get",
      {
        ...common,
        description:
          "Server-sent events. Each event's data is one update; reconnect with the Last-Event-ID header (or lastEventId in the input) to resume.",
        parameters,
        responses: {
          "200": { description: "an event stream", content: { "text/event-stream": { schema: { type: "string" } } } },
          ...errors,
        },
      },
    ];
  }
  return ["get", { ...common, parameters, responses: { "200": { $ref: "#/components/responses/Result" }, ...errors } }];
}

export function openApiDocument(router: AppRouter = appRouter): Record<string, unknown> {
  const procedures = (router as unknown as { _def: { procedures: Record<string, { _def: ProcedureDef }> } })._def.procedures;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, procedure] of Object.entries(procedures).sort(([a], [b]) => a.localeCompare(b))) {
    const [method, operation] = operationOf(path, procedure._def);
    paths[`/trpc/${path}`] = { [method]: operation };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "honorarium-tracker query API",
      version: "1",
      description:
        "tRPC over HTTP: queries are GET /trpc/<procedure>?input=<JSON>, mutations POST /trpc/<procedure> with the input as the JSON body. " +
        "Procedure names are a contract: added, never renamed. The typed client (services/query-api/src/client) is the first-class way in.",
    },
    servers: [{ url: "http://localhost:4000" }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "claims: sub, org, roles, scopes (see README)" },
      },
      responses: {
        Result: {
          description: "the procedure's answer",
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["result"],
                properties: { result: { type: "object", properties: { data: { description: "typed by AppRouter" } } } },
              },
            },
          },
        },
      },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["message", "code", "data"],
              properties: {
                message: { type: "string" },
                code: { type: "integer", description: "JSON-RPC error code" },
                data: {
                  type: "object",
                  properties: {
                    code: { type: "string", enum: [...Object.keys(ERROR_STATUSES), "INTERNAL_SERVER_ERROR"] },
                    httpStatus: { type: "integer" },
                    path: { type: "string" },
                    fieldErrors: { type: ["object", "null"], additionalProperties: { type: "array", items: { type: "string" } } },
                    formErrors: { type: ["array", "null"], items: { type: "string" } },
                    rule: { type: ["string", "null"], description: "the spec rule that refused the request" },
                    details: { description: "what the rule allows, e.g. the legal payment moves" },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}

/** The checked-in file's text (stable key order, trailing newline). */
export function renderOpenApiDocument(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}
