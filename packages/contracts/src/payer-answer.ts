import { z } from 'zod';
import { Timestamp } from './ids';

/** What the payer said about a flagged charge under review, through their payer link. */
export const PayerAnswerChoice = z.enum(['mistake', 'intended']);
export type PayerAnswerChoice = z.infer<typeof PayerAnswerChoice>;

/**
 * Kept in the flag's information flow for the reviewer; it never moves the decision by itself.
 * `linkId` names the link it came through, not the payer.
 */
export const PayerAnswer = z.strictObject({
  answer: PayerAnswerChoice,
  answeredAt: Timestamp,
  linkId: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
});
export type PayerAnswer = z.infer<typeof PayerAnswer>;
