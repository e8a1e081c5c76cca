import { z } from 'zod';

/** A platform's own identifier: printable, no spaces, bounded so keys stay small. */
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

export const Timestamp = z.iso.datetime({ offset: true });

/**
 * A value a platform chooses freely (an account number, a channel name): anything printable.
 * Control characters are refused at the door; a NUL in particular cannot be stored in
 * Postgres, and accepting one would fail every later write that carries it.
 */
export const PlatformValue = z.string().min(1).regex(/^\P{Cc}+$/u, 'no control characters');

/** Prose from outside (a reason, a note): line breaks are fine, NUL is not, as Postgres cannot store it. */
export const FreeText = z.string().regex(/^[^\u0000]*$/, 'no NUL characters');
