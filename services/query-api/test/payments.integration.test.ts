import { randomUUID } from "node:crypto";
import type { TestDatabase } from "@honorarium/shared/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningApi, createTestDatabase, errorOf, outcome, seedRecord, startApi } from "./helpers.ts";

const NOW = new Date("2026-06-15T10:00:00Z");
const ORG = randomUUID();
const SCOPE = randomUUID();
const COORDINATOR = { sub: randomUUID(), org: ORG, roles: ["coordinator"], scopes: [SCOPE] };
let database: TestDatabase;
let api: RunningApi;

const LEGAL: Record<string, string[]> = {
  pending: ["processing", "cancelled"],
  processing: ["paid", "cancelled"],
  paid: [],
  cancelled: [],
};
const FROM = ["pending", "processing", "paid", "cancelled"] as const;
const TO = ["processing", "paid", "cancelled"] as const;

beforeAll(async () => {
  const services = inject("testServices");
  database = await createTestDatabase(services.databaseUrl);
  api = await startApi({ db: database, redisUrl: services.redisUrl, now: () => NOW });
});

afterAll(async () => {
  await api?.stop();
  await database?.drop();
});

const fresh = (paymentStatus: string, fields: { needsReview?: boolean } = {}) =>
  seedRecord(database.db, { organizationId: ORG, scopeId: SCOPE, peerMentorId: randomUUID(), paymentStatus, fiscalYear: 2026, ...fields });

describe("payments.transition: spec 003 lifecycle, every move", () => {
  for (const from of FROM) {
    for (const to of TO) {
      const legal = LEGAL[from]?.includes(to) === true;
      it(`${from} → ${to}: ${legal ? "allowed" : "409 CONFLICT naming the allowed moves"}`, async () => {
        const recordId = await fresh(from);
        const client = api.client(COORDINATOR);
        if (legal) {
          const result = await client.payments.transition.mutate({ recordId, to, note: `ref ${from}-${to}` });
          expect(result.record.paymentStatus).toBe(to);
          expect(result.allowedNext).toEqual(LEGAL[to]);
          const row = await database.db("honorarium_records").where({ id: recordId }).first();
          expect(row.payment_status).toBe(to);
          expect(row.notes).toBe(`ref ${from}-${to}`);
          if (to === "paid") expect(row.payment_processed_at?.toISOString()).toBe(NOW.toISOString());
          else expect(row.payment_processed_at).toBeNull();
          const history = await database.db("payment_status_history").where({ record_id: recordId });
          expect(history).toHaveLength(1);
          expect(history[0]).toMatchObject({
            from_status: from,
            to_status: to,
            actor_id: COORDINATOR.sub,
            note: `ref ${from}-${to}`,
            organization_id: ORG,
          });
        } else {
          const error = await errorOf(client.payments.transition.mutate({ recordId, to }));
          expect(error.data?.code).toBe("CONFLICT");
          expect(error.data?.httpStatus).toBe(409);
          expect(error.data?.rule).toBe("payment_status_lifecycle");
          expect(error.data?.details).toEqual({ from, to, allowed: LEGAL[from] });
          expect(error.message).toContain(`allowed from ${from}: ${LEGAL[from]?.length ? LEGAL[from]?.join(", ") : "none (final state)"}`);
          const row = await database.db("honorarium_records").where({ id: recordId }).first();
          expect(row.payment_status).toBe(from);
          expect(await database.db("payment_status_history").where({ record_id: recordId })).toHaveLength(0);
        }
      });
    }
  }

  it("walks pending → processing → paid and nothing moves back", async () => {
    const recordId = await fresh("pending");
    const client = api.client(COORDINATOR);
    await client.payments.transition.mutate({ recordId, to: "processing" });
    await client.payments.transition.mutate({ recordId, to: "paid", note: "bank ref 42" });
    expect(await outcome(client.payments.transition.mutate({ recordId, to: "processing" }))).toBe("CONFLICT");
    expect(await outcome(client.payments.transition.mutate({ recordId, to: "cancelled" }))).toBe("CONFLICT");
    const history = await database.db("payment_status_history").where({ record_id: recordId }).orderBy("id");
    expect(history.map((h) => `${h.from_status}>${h.to_status}`)).toEqual(["pending>processing", "processing>paid"]);
  });

  it("two coordinators racing: one move wins, the other conflicts", async () => {
    const recordId = await fresh("pending");
    const results = await Promise.all([
      outcome(api.client(COORDINATOR).payments.transition.mutate({ recordId, to: "processing" })),
      outcome(api.client(COORDINATOR).payments.transition.mutate({ recordId, to: "processing" })),
    ]);
    expect(results.sort()).toEqual(["CONFLICT", "OK"]);
  });

  it("an unknown record is NOT_FOUND; bad input is BAD_REQUEST", async () => {
    const client = api.client(COORDINATOR);
    expect(await outcome(client.payments.transition.mutate({ recordId: randomUUID(), to: "processing" }))).toBe("NOT_FOUND");
    expect(await outcome(client.payments.transition.mutate({ recordId: "nope", to: "processing" }))).toBe("BAD_REQUEST");
    expect(await outcome(client.payments.transition.mutate({ recordId: randomUUID(), to: "pending" as "paid" }))).toBe("BAD_REQUEST");
    expect(await outcome(client.payments.transition.mutate({ recordId: randomUUID(), to: "paid", note: "x".repeat(2001) }))).toBe(
      "BAD_REQUEST",
    );
  });
});

describe("records.flagged and records.resolveReview", () => {
  it("lists crossings flagged after a cancellation; resolving removes them and records who and why", async () => {
    const flagged = await fresh("pending", { needsReview: true });
    const client = api.client(COORDINATOR);
    const list = await client.records.flagged.query({});
    expect(list.items.map((r) => r.id)).toContain(flagged);
    expect((await client.counts.dashboard.query({})).flaggedForReview.items.map((r) => r.recordId)).toContain(flagged);
    const { record } = await client.records.resolveReview.mutate({ recordId: flagged, resolution: "cancellation was a duplicate; keep" });
    expect(record.needsReview).toBe(false);
    expect(record.paymentStatus).toBe("pending");
    const row = await database.db("honorarium_records").where({ id: flagged }).first();
    expect(row).toMatchObject({ review_resolved_by: COORDINATOR.sub, review_resolution: "cancellation was a duplicate; keep" });
    expect((await client.records.flagged.query({})).items.map((r) => r.id)).not.toContain(flagged);
    expect(await outcome(client.records.resolveReview.mutate({ recordId: flagged, resolution: "again" }))).toBe("CONFLICT");
  });

  it("resolving with cancelPayment cancels through the lifecycle (and refuses when it cannot)", async () => {
    const client = api.client(COORDINATOR);
    const pending = await fresh("pending", { needsReview: true });
    const { record } = await client.records.resolveReview.mutate({
      recordId: pending,
      resolution: "count really dropped",
      cancelPayment: true,
    });
    expect(record.paymentStatus).toBe("cancelled");
    const history = await database.db("payment_status_history").where({ record_id: pending });
    expect(history).toMatchObject([{ from_status: "pending", to_status: "cancelled", note: "review: count really dropped" }]);
    const paid = await fresh("paid", { needsReview: true });
    expect(await outcome(client.records.resolveReview.mutate({ recordId: paid, resolution: "already paid", cancelPayment: true }))).toBe(
      "CONFLICT",
    );
    expect((await database.db("honorarium_records").where({ id: paid }).first()).needs_review).toBe(true);
  });
});
