import { createHash } from 'node:crypto';

/**
 * The versions observe-payment-8.lua and observe-delivery-2.lua give a payer's state when the
 * caller's copy of it was current: a chain, so a copy can only foresee a version by having
 * applied the very same writes, in the same order, to the very same state.
 */
const chained = (text: string) => createHash('sha1').update(text).digest('hex').slice(0, 16);

export const versionAfterPayment = (version: string, eventId: string) => chained(`${version}|${eventId}`);

export const versionAfterDelivery = (version: string, orderId: string, deliveredMs: number) => chained(`${version}|d|${orderId}|${deliveredMs}`);
