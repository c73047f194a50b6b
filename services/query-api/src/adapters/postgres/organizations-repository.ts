import { DEFAULT_TIME_ZONE } from "@honorarium/shared/domain";
import type { Knex } from "knex";
import type { IOrganizationsRepository } from "../../ports.ts";
import { STATUTORY_TAX_FREE_LIMIT } from "../../domain/organization-settings.ts";

export function createPostgresOrganizationsRepository(db: Knex): IOrganizationsRepository {
  return {
    async timeZone(organizationId) {
      const row: { time_zone: string } | undefined = await db("organization_settings")
        .select("time_zone")
        .where({ organization_id: organizationId })
        .first();
      return row?.time_zone ?? DEFAULT_TIME_ZONE;
    },
    async taxFreeLimit(organizationId, incomeYear) {
      // A per-year limit wins over the organization's default, which wins over the statutory NOK 10,000.
      const row: { limit_amount: string | null } | undefined = await db
        .select(
          db.raw(
            `coalesce((select limit_amount from tax_free_limits where organization_id = ? and income_year = ?),
                      (select tax_free_limit from organization_settings where organization_id = ?)) as limit_amount`,
            [organizationId, incomeYear, organizationId],
          ),
        )
        .first();
      return row?.limit_amount ?? STATUTORY_TAX_FREE_LIMIT;
    },
  };
}
