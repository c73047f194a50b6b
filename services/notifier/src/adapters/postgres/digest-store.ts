import type { Knex } from "@honorarium/shared/db";
import type { DigestCrossing } from "../../domain/digest.ts";

export interface DigestChoice {
  organizationId: string;
  userId: string;
  scopeId: string;
}

/** Every (organisation, user, scope) that takes a daily digest. */
export async function loadDigestChoices(db: Knex): Promise<DigestChoice[]> {
  const rows: { organization_id: string; user_id: string; scope_id: string }[] = await db("notification_digests")
    .select("organization_id", "user_id", "scope_id")
    .orderBy(["organization_id", "user_id", "scope_id"]);
  return rows.map((row) => ({ organizationId: row.organization_id, userId: row.user_id, scopeId: row.scope_id }));
}

/** The crossings recorded in [from, until) in these scopes of the organisation, per scope. */
export async function crossingsRecordedIn(
  db: Knex | Knex.Transaction,
  organizationId: string,
  scopeIds: readonly string[],
  from: Date,
  until: Date,
): Promise<Map<string, DigestCrossing[]>> {
  const rows: { id: string; scope_id: string; tier_name: string | null }[] = await db("honorarium_records")
    .select("id", "scope_id", "tier_name")
    .where({ organization_id: organizationId, threshold_crossed: true })
    .whereIn("scope_id", [...scopeIds])
    .where("recorded_at", ">=", from)
    .where("recorded_at", "<", until)
    .orderBy(["recorded_at", "id"]);
  const byScope = new Map<string, DigestCrossing[]>();
  for (const row of rows) {
    const list = byScope.get(row.scope_id) ?? [];
    list.push({ recordId: row.id, tierName: row.tier_name ?? "" });
    byScope.set(row.scope_id, list);
  }
  return byScope;
}
