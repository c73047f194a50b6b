import { randomUUID } from "node:crypto";
import type { Kafka, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@honorarium/shared/testing";
import type { CounterService } from "../src/counter-service.ts";
import {
  type CounterTopics,
  type Ids,
  cancelled,
  confirmed,
  connectProducer,
  counterEnv,
  createCounterTopics,
  createKafkaFor,
  insertBlindeforbundetTiers,
  monthCount,
  produceJson,
  startInProcessCounter,
  uniqueCounterTopics,
  waitCaughtUp,
  waitOutboxEmpty,
} from "./support.ts";

/**
 * Issue 12, item 6: the real counter (Kafka, Postgres) continuing from a go-live opening balance.
 * The balance and its records are written as openingBalances.import writes them (query API,
 * opening-balances-repository; its own tests cover the import itself).
 */
describe("counter: opening balances", () => {
  const services = inject("testServices");
  let database: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  let topics: CounterTopics;
  let counter: CounterService;

  const settle = () => waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed, topics.cancelled]);

  async function importBalance(
    ids: Ids,
    count: number,
    paid: { configId: string; threshold: number; rate: string; amountPaid: string; level: string; order: number }[],
  ) {
    await database.db("opening_balances").insert({
      organization_id: ids.org,
      scope_id: ids.scope,
      peer_mentor_id: ids.mentor,
      period_type: "calendar_year",
      period_key: "2026",
      assignment_count: count,
      tiers_paid: paid.map((tier) => tier.threshold),
      imported_by: randomUUID(),
    });
    for (const tier of paid) {
      await database.db("honorarium_records").insert({
        organization_id: ids.org,
        scope_id: ids.scope,
        peer_mentor_id: ids.mentor,
        threshold_config_id: tier.configId,
        tier_name: "imported",
        tier_order: tier.order,
        period_type: "calendar_year",
        period_key: "2026",
        assignment_count: tier.threshold,
        threshold_crossed: true,
        threshold_level: tier.level,
        threshold_assignment_number: tier.threshold,
        honorarium_rate: tier.rate,
        fiscal_year: 2026,
        payment_status: "paid",
        payment_processed_at: "2026-01-31T12:00:00Z",
        amount_paid: tier.amountPaid,
        source: "opening_balance",
      });
    }
  }

  const crossingRecords = (ids: Ids) =>
    database
      .db("honorarium_records")
      .where({ organization_id: ids.org, peer_mentor_id: ids.mentor, source: "counter" })
      .orderBy("threshold_assignment_number");
  const outboxEvents = async (ids: Ids) => (await database.db("outbox").where({ kind: "event", message_key: ids.mentor })) as unknown[];

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl);
    kafka = createKafkaFor(services);
    topics = uniqueCounterTopics("opening-balances");
    await createCounterTopics(kafka, topics, 2);
    producer = await connectProducer(kafka);
    ({ service: counter } = startInProcessCounter(counterEnv(services, database.url, topics)));
    await counter.start();
  });

  afterAll(async () => {
    await counter?.stop();
    await producer?.disconnect();
    await database?.drop();
  });

  it("balance 13 with the office tier paid: the 2nd counted assignment crosses the 15th, the paid tier never fires again", async () => {
    const org = randomUUID();
    const tiers = await insertBlindeforbundetTiers(database.db, org);
    const ids: Ids = { org, scope: randomUUID(), mentor: randomUUID(), coordinator: randomUUID() };
    await importBalance(ids, 13, [
      { configId: tiers.office, threshold: 3, rate: "500.00", amountPaid: "500.00", level: "office_honorarium", order: 1 },
    ]);
    const events = [1, 2, 3].map((day) => confirmed(ids, `2026-03-0${day}T10:00:00Z`));
    await produceJson(producer, topics.confirmed, events.slice(0, 1));
    await settle();
    expect(await crossingRecords(ids)).toEqual([]);
    await produceJson(producer, topics.confirmed, events.slice(1));
    await settle();

    const rows = await crossingRecords(ids);
    expect(rows.map((r) => [r.threshold_assignment_number, r.assignment_count, r.trigger_assignment_id, r.payment_status])).toEqual([
      [15, 15, events[1]?.assignmentId, "pending"],
    ]);
    // The month count is what the system counted; the balance stays apart.
    expect(await monthCount(database.db, ids, "2026-03")).toBe(3);
    await waitOutboxEmpty(database.db);
    const published = await outboxEvents(ids);
    expect(published).toHaveLength(1);
    // Exactly one record per tier: the imported paid one and the counter's.
    const all = await database.db("honorarium_records").where({ organization_id: org, peer_mentor_id: ids.mentor });
    expect(all.map((r) => [r.source, r.threshold_assignment_number]).sort()).toEqual([
      ["counter", 15],
      ["opening_balance", 3],
    ]);
  });

  it("a cancellation is judged against balance + counted: below the 15th flags the counter's record", async () => {
    const org = randomUUID();
    await insertBlindeforbundetTiers(database.db, org);
    const ids: Ids = { org, scope: randomUUID(), mentor: randomUUID(), coordinator: randomUUID() };
    await importBalance(ids, 14, []);
    const event = confirmed(ids, "2026-04-01T10:00:00Z");
    await produceJson(producer, topics.confirmed, [event]);
    await settle();
    expect((await crossingRecords(ids)).map((r) => r.threshold_assignment_number)).toEqual([15]);
    await produceJson(producer, topics.cancelled, [cancelled(ids, event.assignmentId)]);
    await settle();
    expect((await crossingRecords(ids)).map((r) => r.needs_review)).toEqual([true]);
  });

  it("a balance of another scope or year does not move this one's count", async () => {
    const org = randomUUID();
    await insertBlindeforbundetTiers(database.db, org);
    const ids: Ids = { org, scope: randomUUID(), mentor: randomUUID(), coordinator: randomUUID() };
    await importBalance({ ...ids, scope: null }, 13, []);
    const events = [1, 2, 3].map((day) => confirmed(ids, `2026-05-0${day}T10:00:00Z`));
    await produceJson(producer, topics.confirmed, events);
    await settle();
    expect((await crossingRecords(ids)).map((r) => [r.threshold_assignment_number, r.trigger_assignment_id])).toEqual([
      [3, events[2]?.assignmentId],
    ]);
  });
});
