import { z } from 'zod';

/**
 * The `flag.decided` event a platform receives for each refund decision, so it can send its
 * user the payer link by SMS or in-app message. Standard Webhooks body: type, timestamp, data.
 */
export const FlagDecided = z.object({
  type: z.literal('flag.decided'),
  timestamp: z.string().describe('When the decision was made.'),
  data: z.object({
    flagId: z.string(),
    decisionId: z.string(),
    flagType: z.string(),
    paymentId: z.string(),
    orderId: z.string(),
    payerId: z.string().describe('Whom to send the link to.'),
    action: z.string(),
    status: z.string().describe('The decision\'s status when it was made; the page follows it from there.'),
    amount: z.int(),
    currency: z.string(),
    /** What the payer's page says first, ready for an SMS: in English and Chinese. */
    payerMessage: z.object({ en: z.string(), zh: z.string() }),
    payerLink: z.object({ url: z.string(), linkId: z.string(), expiresAt: z.string() }),
  }),
});
export type FlagDecided = z.infer<typeof FlagDecided>;
/** Stored without the link's URL, which carries the token and is signed again on each attempt. */
export type StoredFlagDecided = Omit<FlagDecided, 'data'> & { data: Omit<FlagDecided['data'], 'payerLink'> };
