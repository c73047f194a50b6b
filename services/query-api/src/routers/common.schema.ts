import { z } from "zod";

/** A global_admin names the organization; everyone else may leave it out (or must name their own). */
export const organizationIdField = z.uuid().optional();
export const uuid = z.uuid();
export const pageFields = {
  page: z.number().int().min(1).max(100_000).default(1),
  pageSize: z.number().int().min(1).max(200).default(50),
};
