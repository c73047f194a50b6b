import { readFileSync, writeFileSync } from "node:fs";
import { EXAMPLE_THRESHOLD_CROSSED } from "@honorarium/shared/contracts";
import type { Locale } from "@honorarium/shared/domain";
import { describe, expect, it } from "vitest";
import {
  type OrganizationPresentation,
  type RecipientChannels,
  planThresholdNotifications,
  pushBody,
  webhookBody,
} from "./notifications.ts";
import { signWebhook } from "./webhook-signature.ts";

// docs/notification-payloads.md: what a coordinator's push and an organisation's webhook carry for
// the contract's example crossing, in nb and en, rendered by the planning code itself. The file is
// checked here (UPDATE_PAYLOAD_EXAMPLES=1 rewrites it), so the document cannot drift from the code.

const DOCUMENT = new URL("../../../../docs/notification-payloads.md", import.meta.url);
const SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
const AT = new Date("2026-12-01T09:30:00.000Z");

function render(): string {
  const event = EXAMPLE_THRESHOLD_CROSSED;
  const sections = (["nb", "en"] as const satisfies readonly Locale[]).map((locale) => {
    const presentation: OrganizationPresentation = { locale, timeZone: "Europe/Oslo", scopeName: () => "Region Nord" };
    const channels: RecipientChannels = {
      organizationHasWebhook: () => true,
      hasPushSubscription: () => true,
      wants: () => true,
      takesDigest: () => false,
      presentation: () => presentation,
    };
    const jobs = planThresholdNotifications(event, channels, "https://portal.example.org", null).jobs;
    const content = (channel: string) => {
      const job = jobs.find((each) => each.recipientRole === "coordinator" && each.channel === channel);
      if (job === undefined) throw new Error(`no coordinator ${channel} job`);
      return job.content;
    };
    const body = webhookBody(content("webhook"), AT);
    const headers = signWebhook(SECRET, event.eventId, Math.floor(AT.getTime() / 1000), body);
    const pretty = (json: string) => JSON.stringify(JSON.parse(json), null, 2);
    return [
      `## ${locale === "nb" ? "nb (Norwegian Bokmål, the default)" : "en"}`,
      "",
      "Web Push to the coordinator (what the service worker receives):",
      "",
      "```json",
      pretty(pushBody(content("web_push"))),
      "```",
      "",
      "Webhook to the organisation (Standard Webhooks headers; the signature covers the body as sent, compact JSON, shown indented here):",
      "",
      "```http",
      "POST /your-endpoint HTTP/1.1",
      "content-type: application/json",
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      "",
      pretty(body),
      "```",
      "",
    ].join("\n");
  });
  return [
    "# Notification payloads",
    "",
    "A coordinator's Web Push and the organisation's webhook for the contract's example crossing",
    "(`EXAMPLE_THRESHOLD_CROSSED`, scope named Region Nord), as the notifier renders them. Human text",
    "comes from the organisation's locale and names the tier, amount and scope, never a person or an",
    "id; the machine fields are the same in every locale. Generated and checked by",
    "`services/notifier/src/domain/payload-examples.test.ts` (`UPDATE_PAYLOAD_EXAMPLES=1` rewrites it).",
    `The webhook is signed with the example secret \`${SECRET}\` at ${AT.toISOString()}.`,
    "",
    ...sections,
  ].join("\n");
}

describe("docs/notification-payloads.md", () => {
  it("shows what the planning code renders, in nb and en", () => {
    const expected = render();
    if (process.env.UPDATE_PAYLOAD_EXAMPLES === "1") writeFileSync(DOCUMENT, expected);
    expect(readFileSync(DOCUMENT, "utf8")).toBe(expected);
  });
});
