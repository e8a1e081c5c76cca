import { z } from 'zod';

/**
 * An identifier that travels in HTTP headers or is machine-made (the event id is also the
 * `webhook-id` header; payment, refund and decision ids): printable ASCII without spaces, so
 * it is safe in a header and in a signature's signed text.
 */
export const ExternalId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7E]+$/, 'printable ASCII without spaces');

export const TenantId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, "-" and "_"');
export type TenantId = z.infer<typeof TenantId>;

const isoDateTime = z.iso.datetime({ offset: true });

/**
 * An RFC 3339 date-time with an offset. Its "T" and "Z" may come in lower case (RFC 3339
 * §5.6) and are read upper-cased, the form every later reader takes; the documents' pattern
 * says both cases. A leap second (":60") is refused: neither Date nor Postgres can hold one.
 */
export const Timestamp = z
  .preprocess((value) => (typeof value === 'string' ? value.toUpperCase() : value), isoDateTime)
  .meta({ pattern: isoDateTime.def.pattern!.source.replace(')T(', ')[Tt](').replace('(?:Z|', '(?:[Zz]|') });

/**
 * Characters no platform text may hold: controls (a NUL cannot even be stored in Postgres),
 * lone surrogates (not encodable as UTF-8), line and paragraph separators, the bidirectional
 * controls that make `gpj.exe` read as `exe.jpg` on a reviewer's screen, and U+FEFF.
 */
const refusedClass = String.raw`\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF`;
export const REFUSED_CHARACTER = new RegExp(`[${refusedClass}]`, 'u');
const withoutRefused = new RegExp(`^[^${refusedClass}]*$`, 'u');
const refusedMessage = 'no control, bidirectional-control or separator characters, lone surrogates or U+FEFF';

/** Most bytes of UTF-8 a platform name may take: a Chinese character takes 3, so about 42 of them. */
export const MAX_NAME_BYTES = 128;
const nameTooLong = `at most ${MAX_NAME_BYTES} bytes of UTF-8 (a Chinese character takes 3)`;

/**
 * A name a platform gives in its own words: an order, payer or merchant id, a sku, a category
 * (`腾讯Q币-100`, `Steam Wallet 100`, a Chinese user name). Any printable Unicode, normalised to
 * NFC on the way in so the same text always is the same id; interior spaces are fine, blank
 * or padded values are not. Bounded in bytes, as that is what keys and rows pay for.
 */
export const PlatformName = z
  .string()
  .normalize('NFC')
  // Characters never outnumber bytes: a cheap first bound, and one the OpenAPI document shows.
  .max(MAX_NAME_BYTES, { message: nameTooLong, abort: true })
  .refine((value) => Buffer.byteLength(value, 'utf8') <= MAX_NAME_BYTES, { message: nameTooLong, abort: true })
  // The first broken rule is the one reported: a trailing "\n" is a control, not also padding.
  .regex(withoutRefused, { message: refusedMessage, abort: true })
  .regex(/^\S(?:[\s\S]*\S)?$/u, 'not blank, and no leading or trailing whitespace')
  .describe(`Any printable Unicode, NFC-normalised, at most ${MAX_NAME_BYTES} bytes of UTF-8; no leading or trailing whitespace.`);
export type PlatformName = z.infer<typeof PlatformName>;

/**
 * A value a platform chooses freely (an account number, a channel name): anything printable,
 * NFC-normalised. Callers bound its length.
 */
export const PlatformValue = z.string().normalize('NFC').min(1).regex(withoutRefused, refusedMessage);

/** Prose from outside (a reason, a note): line breaks are fine, NUL is not, as Postgres cannot store it. */
export const FreeText = z.string().regex(/^[^\u0000]*$/, 'no NUL characters');
