import { describe, expect, it } from "vitest";
import { EXAMPLE_THRESHOLD_CROSSED } from "@honorarium/shared/contracts";
import {
  decodeThresholdCrossed,
  planDeliveryReminder,
  planThresholdNotifications,
  reminderEventId,
  reminderIsDue,
  type OrganizationPresentation,
  type RecipientChannels,
} from "./notifications.ts";

const BASE = "https://portal.example";
const NORTH = {
  locale: "nb",
  timeZone: "Europe/Oslo",
  scopeName: (id) => (id === null ? null : "Region Nord"),
} satisfies OrganizationPresentation;
/** `optOuts`: "user/channel" turned off; `digests`: "user/scope" taking the daily digest. */
const channels = (
  webhookOrgs: string[],
  pushUsers: string[],
  {
    presentation = NORTH,
    optOuts = [],
    digests = [],
  }: { presentation?: OrganizationPresentation; optOuts?: string[]; digests?: string[] } = {},
): RecipientChannels => ({
  organizationHasWebhook: (id) => webhookOrgs.includes(id),
  hasPushSubscription: (id) => pushUsers.includes(id),
  presentation: () => presentation,
  wants: (userId, channel) => !optOuts.includes(`${userId}/${channel}`),
  takesDigest: (userId, scopeId) => digests.includes(`${userId}/${scopeId}`),
});
const event = EXAMPLE_THRESHOLD_CROSSED;

describe("decoding threshold-crossed messages", () => {
  it("accepts a valid event and keeps unknown fields", () => {
    const decoded = decodeThresholdCrossed(Buffer.from(JSON.stringify({ ...event, extra: 1 })));
    expect(decoded).toMatchObject({ valid: true, event: { eventId: event.eventId, extra: 1 } });
  });

  it("names the reason for non-JSON, empty and schema-breaking messages", () => {
    expect(decodeThresholdCrossed(null)).toMatchObject({ valid: false, code: "not_json" });
    expect(decodeThresholdCrossed(Buffer.from("{nope"))).toMatchObject({ valid: false, code: "not_json" });
    const broken = decodeThresholdCrossed(Buffer.from(JSON.stringify({ ...event, recordId: "x", honorariumAmount: 500 })));
    expect(broken).toMatchObject({ valid: false, code: "schema", reason: expect.stringMatching(/^recordId: .*; honorariumAmount: /) });
  });

  it("applies the rules every topic shares: the time window against the broker timestamp, storable text", () => {
    const broker = String(Date.parse(event.reachedAt));
    const far = decodeThresholdCrossed(Buffer.from(JSON.stringify({ ...event, reachedAt: "9999-01-01T00:00:00Z" })), broker);
    expect(far).toMatchObject({ valid: false, code: "schema", reason: expect.stringMatching(/reachedAt.*supported window/) });
    const nul = decodeThresholdCrossed(Buffer.from(JSON.stringify({ ...event, tierName: "Kontor\u0000" })), broker);
    expect(nul).toMatchObject({ valid: true, event: { tierName: "Kontor\uFFFD" } });
  });
});

describe("planning a crossing's notifications", () => {
  it("follows each person's channel preferences; the organization's webhook has none", () => {
    const optOuts = [`${event.coordinatorId}/web_push`, `${event.peerMentorId}/in_app`];
    const plan = planThresholdNotifications(
      event,
      channels([event.organizationId], [event.coordinatorId, event.peerMentorId], { optOuts }),
      BASE,
      null,
    );
    expect(plan.jobs.map((job) => `${job.recipientRole}:${job.channel}`)).toEqual([
      "coordinator:webhook",
      "coordinator:in_app",
      "peer_mentor:web_push",
    ]);
    // In-app off and no other channel: nothing reaches the coordinator, so nothing is written back.
    const silent = planThresholdNotifications(
      { ...event, notifyMentor: false },
      channels([], [], { optOuts: [`${event.coordinatorId}/in_app`] }),
      BASE,
      null,
    );
    expect(silent).toEqual({ jobs: [], coordinatorNotifiedOnIngest: false });
  });

  it("leaves a coordinator who takes the scope's daily digest to the digest; the webhook and the mentor still get the crossing", () => {
    const digests = [`${event.coordinatorId}/${event.scopeId}`];
    const plan = planThresholdNotifications(
      event,
      channels([event.organizationId], [event.coordinatorId, event.peerMentorId], { digests }),
      BASE,
      null,
    );
    expect(plan.jobs.map((job) => `${job.recipientRole}:${job.channel}`)).toEqual([
      "coordinator:webhook",
      "peer_mentor:web_push",
      "peer_mentor:in_app",
    ]);
    // Not notified on ingest: the digest pass writes that back.
    const quiet = planThresholdNotifications({ ...event, notifyMentor: false }, channels([], [], { digests }), BASE, null);
    expect(quiet).toEqual({ jobs: [], coordinatorNotifiedOnIngest: false });
  });

  it("reaches the coordinator on webhook, web push and in-app, and the mentor on web push and in-app", () => {
    const plan = planThresholdNotifications(event, channels([event.organizationId], [event.coordinatorId, event.peerMentorId]), BASE, null);
    expect(plan.jobs.map((job) => `${job.recipientRole}:${job.channel}`)).toEqual([
      "coordinator:webhook",
      "coordinator:web_push",
      "coordinator:in_app",
      "peer_mentor:web_push",
      "peer_mentor:in_app",
    ]);
    expect(plan.coordinatorNotifiedOnIngest).toBe(false);
  });

  it("leaves the mentor out unless notifyMentor, and writes back on ingest when in-app is the coordinator's only channel", () => {
    const plan = planThresholdNotifications({ ...event, notifyMentor: false }, channels([], []), BASE, null);
    expect(plan.jobs.map((job) => `${job.recipientRole}:${job.channel}`)).toEqual(["coordinator:in_app"]);
    expect(plan.coordinatorNotifiedOnIngest).toBe(true);
  });

  it("names the tier, count, amount and scope in the organization's language, never an id, and links to the mentor's count screen", () => {
    const [job] = planThresholdNotifications(event, channels([event.organizationId], []), BASE, null).jobs;
    expect(job?.content.deepLink).toBe(`${BASE}/mentors/${event.peerMentorId}/counts?highlight=${event.recordId}`);
    expect(job?.content.title).toBe("Honorargrense nådd");
    expect(job?.content.body).toBe(
      "En likeperson i Region Nord har nådd Kontorhonorar etter 3 oppdrag (500,00\u00a0kr). Åpne for å se hvem og behandle utbetalingen.",
    );
    expect(`${job?.content.title} ${job?.content.body}`).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    const english = planThresholdNotifications(event, channels([], [], { presentation: { ...NORTH, locale: "en" } }), BASE, null).jobs[0];
    expect(english?.content.body).toBe(
      "A peer mentor in Region Nord reached Kontorhonorar at 3 assignments (NOK\u00a0500.00). Open to see who and process the payment.",
    );
    expect(job?.content.data).toMatchObject({
      peerMentorId: event.peerMentorId,
      tierName: "Kontorhonorar",
      thresholdCount: 3,
      assignmentCount: 3,
      honorariumAmount: "500.00",
      currency: "NOK",
    });
  });
});

describe("delivery reminders", () => {
  const now = new Date("2026-05-20T12:00:00Z");
  const base = { deliveryStatus: "delivered", openedAt: null, reminderSentAt: null, expiresAt: null };
  it("are due 10 days after delivery when never opened, and again 10 days after the last reminder", () => {
    expect(reminderIsDue({ ...base, deliveredAt: new Date("2026-05-09T12:00:00Z") }, now, 10)).toBe(true);
    expect(reminderIsDue({ ...base, deliveredAt: new Date("2026-05-15T12:00:00Z") }, now, 10)).toBe(false);
    const old = new Date("2026-04-01T00:00:00Z");
    expect(reminderIsDue({ ...base, deliveredAt: old, reminderSentAt: new Date("2026-05-12T00:00:00Z") }, now, 10)).toBe(false);
    expect(reminderIsDue({ ...base, deliveredAt: old, reminderSentAt: new Date("2026-05-09T00:00:00Z") }, now, 10)).toBe(true);
  });

  it("are not due once opened, for other statuses, or after expiry", () => {
    const deliveredAt = new Date("2026-05-01T00:00:00Z");
    expect(reminderIsDue({ ...base, deliveredAt, openedAt: new Date("2026-05-02T00:00:00Z") }, now, 10)).toBe(false);
    expect(reminderIsDue({ ...base, deliveredAt, deliveryStatus: "expired" }, now, 10)).toBe(false);
    expect(reminderIsDue({ ...base, deliveredAt, expiresAt: new Date("2026-05-19T00:00:00Z") }, now, 10)).toBe(false);
  });

  it("get one stable key per delivery and reminder number", () => {
    const id = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    expect(reminderEventId(id, 1)).toBe(reminderEventId(id, 1));
    expect(reminderEventId(id, 1)).not.toBe(reminderEventId(id, 2));
    expect(reminderEventId(id, 1)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const delivery = { id, assignmentId: id, peerMentorId: id, organizationId: id, deliveredAt: new Date("2026-05-01T00:00:00Z") };
    const jobs = planDeliveryReminder(delivery, 2, channels([], [id]), BASE);
    expect(jobs.map((job) => job.channel)).toEqual(["web_push", "in_app"]);
    expect(jobs.every((job) => job.eventId === reminderEventId(id, 2) && job.kind === "delivery_reminder")).toBe(true);
  });
});
