import { createContext, useContext } from "react";
import type { PortalClient } from "@honorarium/query-api";
import type { Session } from "./session.ts";

export interface Signed {
  session: Session;
  api: PortalClient;
}

export const SignedContext = createContext<Signed | null>(null);

export function useSigned(): Signed {
  const signed = useContext(SignedContext);
  if (signed === null) throw new Error("useSigned outside a signed-in tree");
  return signed;
}

/** What the organisation's settings say about display: its time zone and scope names. */
export interface OrgDisplay {
  timeZone: string;
  scopeName: (scopeId: string | null) => string;
}

export const OrgContext = createContext<OrgDisplay>({
  timeZone: "Europe/Oslo",
  scopeName: (scopeId) => (scopeId === null ? "–" : scopeId.slice(-8)),
});

export const useOrg = () => useContext(OrgContext);
