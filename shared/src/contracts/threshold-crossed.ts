import { z } from "zod";
import { currencySchema, decimalStringSchema, instantSchema, storableTextSchema, uuidSchema } from "./common.ts";
import type { TimeField } from "./input-rules.ts";
import { PERIOD_TYPES } from "../domain/period.ts";

export const THRESHOLD_LEVELS = ["office_honorarium", "higher_rate", "custom"] as const;
export type ThresholdLevel = (typeof THRESHOLD_LEVELS)[number];

/**
 * honorarium.threshold-crossed.v1 — counter → notifier. Key: peerMentorId.
 * eventId is derived from recordId, so a re-publish is recognisably the same event.
 */
export const thresholdCrossedSchema = z.looseObject({
  eventId: uuidSchema,
  recordId: uuidSchema,
  organizationId: uuidSchema,
  scopeId: uuidSchema.nullable(),
  peerMentorId: uuidSchema,
  coordinatorId: uuidSchema,
  tierName: storableTextSchema.min(1),
  thresholdLevel: z.enum(THRESHOLD_LEVELS),
  thresholdCount: z.number().int().positive(),
  honorariumAmount: decimalStringSchema,
  currency: currencySchema,
  periodType: z.enum(PERIOD_TYPES),
  periodKey: z.string().min(4),
  fiscalYear: z.number().int().min(2000).max(2100),
  assignmentCount: z.number().int().positive(),
  triggerAssignmentId: uuidSchema,
  reachedAt: instantSchema,
  notifyMentor: z.boolean(),
});
export type ThresholdCrossed = z.infer<typeof thresholdCrossedSchema>;
export const thresholdCrossedTimes: readonly TimeField<ThresholdCrossed>[] = [
  { name: "reachedAt", read: (event) => event.reachedAt, boundByBroker: true },
];
