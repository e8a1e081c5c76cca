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
