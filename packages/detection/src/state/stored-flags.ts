import { z } from 'zod';
import { Flag } from '@backstop/contracts';

/** The flags an event produced, remembered with it so a redelivery re-emits exactly them. */
export const StoredFlags = z.array(Flag);
export type StoredFlags = z.infer<typeof StoredFlags>;
