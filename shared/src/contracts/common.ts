import { z } from "zod";
import { escapeUnstorableText } from "./input-rules.ts";

/**
 * A UUID, lower-cased on parse: Postgres returns uuids in lower case, and every id is a map key
 * somewhere (counts, tiers, locks), so "ABC…" and "abc…" must be one id (Swift's uuidString is upper case).
 */
export const uuidSchema = z.uuid().overwrite((value) => value.toLowerCase());
/** ISO-8601 with an explicit offset (`Z` or `+01:00`): a bare local time is ambiguous. */
export const instantSchema = z.iso.datetime({ offset: true });
/** A decimal amount as a string, never a float: money is exact. */
export const decimalStringSchema = z.string().regex(/^-?\d{1,12}(\.\d{1,4})?$/, 'a decimal number as a string, e.g. "500.00"');
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as NOK");
/** Free text as Postgres can store it: NUL and lone surrogates become U+FFFD (input-rules.ts). */
export const storableTextSchema = z.string().overwrite(escapeUnstorableText);
