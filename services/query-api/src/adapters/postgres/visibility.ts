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
