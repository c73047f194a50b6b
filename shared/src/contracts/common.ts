import { z } from "zod";

export const uuidSchema = z.uuid();
/** ISO-8601 with an explicit offset (`Z` or `+01:00`): a bare local time is ambiguous. */
export const instantSchema = z.iso.datetime({ offset: true });
/** A decimal amount as a string, never a float: money is exact. */
export const decimalStringSchema = z.string().regex(/^-?\d{1,12}(\.\d{1,4})?$/, 'a decimal number as a string, e.g. "500.00"');
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as NOK");
