// The quick start's demo: seeds a Blindeforbundet-like organization (office honorarium at the 3rd
// confirmed assignment, higher rate at the 15th, per calendar year and RK scope), points its
// webhook at the local demo receiver, then plays a small stream slowly enough to watch:
// confirmations, a duplicate, a cancellation and a poison message.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { TOPICS, commonEnvShape, createLogger, deadLetterTopicOf, loadEnv } from "@honorarium/shared";
import { createDatabase } from "@honorarium/shared/db";
import { createAssignmentEventProducer, createKafka, createRecordProducer, ensureTopics } from "@honorarium/shared/infra";
import { SignJWT } from "jose";
import { createPortalClient } from "@honorarium/query-api";
import { loadQueryApiConfig } from "@honorarium/query-api/config";
import { DEMO } from "./demo-config.ts";

const env = loadEnv(z.object({ ...commonEnvShape, DEMO_PACE_MS: z.coerce.number().int().min(0).default(400) }));
const logger = createLogger("demo", "warn");
const db = createDatabase(env.DATABASE_URL, { poolMax: 2, applicationName: "demo" });
const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: "demo-stream", logger });
const pause = () => new Promise((resolve) => setTimeout(resolve, env.DEMO_PACE_MS));
const say = (line: string) => console.log(line);

async function seed(): Promise<void> {
  await db("organization_settings")
    .insert({ organization_id: DEMO.organizationId, time_zone: "Europe/Oslo" })
    .onConflict("organization_id")
    .ignore();
  const active = await db("threshold_configs")
    .where({ organization_id: DEMO.organizationId, is_active: true })
    .count<{ count: number }[]>("* as count");
  if (Number(active[0]?.count ?? 0) === 0) {
    const base = {
      organization_id: DEMO.organizationId,
      currency: "NOK",
      period_type: "calendar_year",
      is_cumulative: false,
      effective_from: "2020-01-01T00:00:00+01:00",
      notification_enabled: true,
      created_by: DEMO.adminId,
    };
    await db("threshold_configs").insert([
      {
        ...base,
        name: "Kontorhonorar",
        threshold_count: 3,
        honorarium_amount: "500.00",
        tier_order: 1,
        threshold_level: "office_honorarium",
      },
      { ...base, name: "Høyere sats", threshold_count: 15, honorarium_amount: "1500.00", tier_order: 2, threshold_level: "higher_rate" },
    ]);
    say("seeded tiers: Kontorhonorar at 3 (NOK 500), Høyere sats at 15 (NOK 1500), per calendar year");
  }
  await db("organization_webhooks")
    .insert({
      organization_id: DEMO.organizationId,
      url: `http://127.0.0.1:${DEMO.webhookPort}/webhooks`,
      secret: DEMO.webhookSecret,
      enabled: true,
    })
    .onConflict("organization_id")
    .merge();
}

async function play(): Promise<void> {
  const producer = await createAssignmentEventProducer(kafka);
  const confirm = (peerMentorId: string, assignmentId = randomUUID()) => ({
    eventId: randomUUID(),
    assignmentId,
    peerMentorId,
    organizationId: DEMO.organizationId,
    scopeId: DEMO.scopeId,
    coordinatorId: DEMO.coordinatorId,
    confirmedAt: new Date().toISOString(),
  });
  try {
    say("Ola confirms 2 assignments, then the first one again (a sync retry: counted once)");
    const first = confirm(DEMO.mentors.ola);
    for (const event of [first, confirm(DEMO.mentors.ola), { ...first, eventId: randomUUID() }]) {
      await producer.confirmed(event);
      await pause();
    }
    say("Ola's first assignment is cancelled (back to 1); three more are confirmed: Ola reaches 3, the office honorarium");
    await producer.cancelled({
      eventId: randomUUID(),
      assignmentId: first.assignmentId,
      peerMentorId: DEMO.mentors.ola,
      organizationId: DEMO.organizationId,
      cancelledAt: new Date().toISOString(),
    });
    for (let i = 0; i < 3; i++) {
      await producer.confirmed(confirm(DEMO.mentors.ola));
      await pause();
    }
    say("a poison message (not JSON) arrives: it goes to the dead-letter topic, nothing stops");
    const raw = createRecordProducer(kafka);
    await raw.send([{ topic: TOPICS.assignmentConfirmed, key: Buffer.from(DEMO.mentors.kari), value: Buffer.from("{not json") }]);
    await raw.close();
    say("Kari confirms 15 assignments: office honorarium at the 3rd, higher rate at the 15th");
    for (let i = 0; i < 15; i++) {
      await producer.confirmed(confirm(DEMO.mentors.kari));
      await pause();
    }
  } finally {
    await producer.disconnect();
  }
}

async function summarize(): Promise<void> {
  const deadline = Date.now() + 60_000;
  let notified = 0;
  let records: { peer_mentor_id: string; tier_name: string; honorarium_rate: string; coordinator_notified: boolean }[] = [];
  while (Date.now() < deadline) {
    records = await db("honorarium_records").where({ organization_id: DEMO.organizationId }).orderBy("recorded_at");
    notified = records.filter((record) => record.coordinator_notified).length;
    if (records.length >= 3 && notified === records.length) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const name = (id: string) => Object.entries(DEMO.mentors).find(([, mentorId]) => mentorId === id)?.[0] ?? id;
  say(`crossings recorded: ${records.length}, coordinator notified for ${notified}`);
  for (const record of records) say(`  ${name(record.peer_mentor_id)}: ${record.tier_name} (NOK ${record.honorarium_rate})`);
  const counts = await db("mentor_month_counts")
    .where({ organization_id: DEMO.organizationId })
    .select("peer_mentor_id")
    .sum<{ peer_mentor_id: string; total: number }[]>("confirmed_count as total")
    .groupBy("peer_mentor_id");
  for (const row of counts) say(`  ${name(row.peer_mentor_id)} has ${row.total} confirmed assignments counted`);
  say(`dead letters go to ${deadLetterTopicOf(TOPICS.assignmentConfirmed)}`);
}

/** What the portal sees: the coordinator's dashboard and Kari's count screen, over tRPC. */
async function askTheApi(): Promise<void> {
  const api = loadQueryApiConfig();
  if (api.AUTH_JWT_SECRET === undefined) return;
  const token = await new SignJWT({ org: DEMO.organizationId, roles: ["coordinator"], scopes: [DEMO.scopeId] })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(DEMO.coordinatorId)
    .setIssuer(api.AUTH_ISSUER)
    .setAudience(api.AUTH_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(api.AUTH_JWT_SECRET));
  const client = createPortalClient({ url: `http://127.0.0.1:${api.QUERY_API_PORT}/trpc`, token: () => token });
  const kari = await client.counts.forMentor.query({ peerMentorId: DEMO.mentors.kari });
  say(`query API counts.forMentor (Kari): ${JSON.stringify(kari)}`);
  const board = await client.counts.dashboard.query({});
  say(`query API counts.dashboard (coordinator): ${JSON.stringify(board)}`);
}

try {
  await ensureTopics(
    kafka,
    [TOPICS.assignmentConfirmed, TOPICS.assignmentCancelled].map((topic) => ({ topic, numPartitions: 3 })),
  );
  await seed();
  await play();
  await summarize();
  await askTheApi();
} finally {
  await db.destroy();
}
