import { type AllowedHostPort, checkOutboundTarget, type OutboundTargetVerdict } from "@honorarium/shared/domain";
import { DomainError } from "./errors.ts";

type Refusal = Extract<OutboundTargetVerdict, { allowed: false }>["rule"];

const MESSAGES: Record<Refusal, string> = {
  target_url: "is not a valid URL",
  target_scheme: "must use https",
  target_credentials: "must not carry credentials",
  target_address: "points at a private, loopback or link-local address",
};

/**
 * SSRF guard at input time (DESIGN.md "Security"): the same rule the notifier applies before
 * sending, and again to the resolved addresses at connect time (shared/domain outbound-target),
 * so a URL accepted here is one the notifier will try rather than one every delivery fails on.
 */
export function checkTargetUrl(
  raw: string,
  allowHosts: readonly AllowedHostPort[],
  what: "webhook URL" | "push endpoint",
  rule: string,
): URL {
  const verdict = checkOutboundTarget(raw, allowHosts);
  if (verdict.allowed) return verdict.url;
  throw new DomainError("invalid", `the ${what} ${MESSAGES[verdict.rule]}`, { rule, details: { reason: verdict.rule } });
}

export function checkWebhookUrl(raw: string, allowHosts: readonly AllowedHostPort[]): URL {
  return checkTargetUrl(raw, allowHosts, "webhook URL", "webhook_url");
}
