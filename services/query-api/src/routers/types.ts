import type { Caller } from "../server/auth.ts";
import type { Context } from "../server/context.ts";

/** What a handler of an authenticated procedure gets: the context with a verified caller. */
export type AuthedContext = Context & { caller: Caller };

export interface HandlerOptions<Input> {
  ctx: AuthedContext;
  input: Input;
}
