import type { Knex } from "knex";
import type { DeliveryRecord, IDeliveriesRepository } from "../../ports.ts";
import { iso, isoRequired } from "./visibility.ts";

interface DeliveryRow {
  id: string;
  assignment_id: string;
  peer_mentor_id: string;
  organization_id: string;
  coordinator_id: string;
  delivery_status: DeliveryRecord["status"];
  delivered_at: Date | null;
  opened_at: Date | null;
  read_confirmed_at: Date | null;
  expires_at: Date | null;
  accounting_period: string;
  delivery_sequence_number: number;
  honorarium_tier: DeliveryRecord["honorariumTier"];
  read_receipt_required: boolean;
  delivery_method: DeliveryRecord["deliveryMethod"];
  reminder_count: number;
  reminder_sent_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function recordOf(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    assignmentId: row.assignment_id,
    peerMentorId: row.peer_mentor_id,
    organizationId: row.organization_id,
    coordinatorId: row.coordinator_id,
    status: row.delivery_status,
    deliveredAt: iso(row.delivered_at),
    openedAt: iso(row.opened_at),
    readConfirmedAt: iso(row.read_confirmed_at),
    expiresAt: iso(row.expires_at),
    accountingPeriod: row.accounting_period,
    deliverySequenceNumber: row.delivery_sequence_number,
    honorariumTier: row.honorarium_tier,
    readReceiptRequired: row.read_receipt_required,
    deliveryMethod: row.delivery_method,
    reminderCount: row.reminder_count,
    reminderSentAt: iso(row.reminder_sent_at),
    createdAt: isoRequired(row.created_at),
    updatedAt: isoRequired(row.updated_at),
  };
}

export function createPostgresDeliveriesRepository(db: Knex): IDeliveriesRepository {
  return {
    async list(organizationId, filter, page) {
      const matching = () => {
        const query = db("assignment_deliveries").where({ organization_id: organizationId });
        if (filter.peerMentorId !== undefined) query.where("peer_mentor_id", filter.peerMentorId);
        if (filter.unread) query.whereNull("opened_at");
        const reach = filter.coordinator;
        if (reach !== undefined) {
          // Deliveries carry no scope: a mentor belongs to the scopes their counted assignments are in.
          query.where((q) => {
            q.where("assignment_deliveries.coordinator_id", reach.userId).orWhereExists((ledger) => {
              ledger
                .select(db.raw("1"))
                .from("assignment_ledger")
                .whereRaw("assignment_ledger.organization_id = assignment_deliveries.organization_id")
                .whereRaw("assignment_ledger.peer_mentor_id = assignment_deliveries.peer_mentor_id")
                .where((scope) => {
                  scope.whereNull("assignment_ledger.scope_id");
                  if (reach.scopeIds.length > 0) scope.orWhereIn("assignment_ledger.scope_id", [...reach.scopeIds]);
                });
            });
          });
        }
        if (filter.deliveredBefore !== undefined) {
          query.where("delivery_status", "delivered").whereNull("opened_at").where("delivered_at", "<", filter.deliveredBefore);
        }
        return query;
      };
      const [rows, counted] = await Promise.all([
        matching()
          .select<DeliveryRow[]>("*")
          .orderBy([
            { column: "created_at", order: "desc" },
            { column: "id", order: "desc" },
          ])
          .limit(page.limit)
          .offset(page.offset),
        matching().count<{ n: string }[]>({ n: "*" }),
      ]);
      return { items: rows.map(recordOf), total: Number(counted[0]?.n ?? 0) };
    },
  };
}
