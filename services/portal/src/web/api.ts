import {
  type AppRouter,
  type PortalClient,
  createPortalClient,
  type inferRouterInputs,
  type inferRouterOutputs,
} from "@honorarium/query-api";
import { TRPCClientError } from "@trpc/client";

/** Everything the screens show is typed from the query API's router: no hand-written API types. */
export type Outputs = inferRouterOutputs<AppRouter>;
export type Inputs = inferRouterInputs<AppRouter>;

/** Same origin: the portal's server proxies /trpc and /files to the query API. */
export function createClient(token: () => string): PortalClient {
  return createPortalClient({ url: "/trpc", token });
}

export interface ApiErrorInfo {
  code: string | null;
  httpStatus: number | null;
  message: string;
  fieldErrors: Record<string, string[]>;
  formErrors: string[];
  rule: string | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** The query API's error shape (its errorFormatter: fieldErrors, formErrors, rule). */
export function errorInfo(error: unknown): ApiErrorInfo {
  const data: unknown = error instanceof TRPCClientError ? error.data : undefined;
  const record = isRecord(data) ? data : {};
  const fieldErrors: Record<string, string[]> = {};
  if (isRecord(record.fieldErrors)) {
    for (const [field, messages] of Object.entries(record.fieldErrors)) {
      if (Array.isArray(messages)) fieldErrors[field] = messages.filter((m): m is string => typeof m === "string");
    }
  }
  return {
    code: typeof record.code === "string" ? record.code : null,
    httpStatus: typeof record.httpStatus === "number" ? record.httpStatus : null,
    message: error instanceof Error ? error.message : String(error),
    fieldErrors,
    formErrors: Array.isArray(record.formErrors) ? record.formErrors.filter((m): m is string => typeof m === "string") : [],
    rule: typeof record.rule === "string" ? record.rule : null,
  };
}

/** GET /files/<procedure>?input=<json> with the Bearer token, saved under the server's file name. */
export async function download(procedure: string, input: unknown, token: string): Promise<void> {
  const response = await fetch(`/files/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  const disposition = response.headers.get("content-disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `${procedure}.csv`;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
