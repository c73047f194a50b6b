import type { Knex } from "knex";
import type { Visibility } from "../../domain/access.ts";

/** Confines a query on a table with scope_id and peer_mentor_id to what the caller may see. */
export function whereVisible(query: Knex.QueryBuilder, visibility: Visibility, table?: string): Knex.QueryBuilder {
  const column = (name: string) => (table === undefined ? name : `${table}.${name}`);
  if (visibility.kind === "self") return query.where(column("peer_mentor_id"), visibility.peerMentorId);
  if (visibility.kind === "scopes") {
    const scopeIds = [...visibility.scopeIds];
    return query.where((q) => {
      q.whereNull(column("scope_id"));
      if (scopeIds.length > 0) q.orWhereIn(column("scope_id"), scopeIds);
    });
  }
  return query;
}

export const iso = (value: Date | string | null): string | null =>
  value === null ? null : value instanceof Date ? value.toISOString() : value;
export const isoRequired = (value: Date | string): string => (value instanceof Date ? value.toISOString() : value);

/** A timestamptz column selected as the ISO 8601 string Date#toISOString would print (UTC, milliseconds), under its own name. */
export const isoColumn = (db: Knex | Knex.Transaction, column: string): Knex.Raw =>
  db.raw(`to_char(?? at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as ??`, [column, column]);
