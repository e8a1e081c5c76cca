import { z } from 'zod';
import { ExternalId, TenantId, Timestamp } from './ids';
import { FlagType } from './flag-type';
import { FlagMessage } from './messages';
import { PayerAnswer } from './payer-answer';
import { CheckReasonCode } from './check-reason-code';
import { PaymentData } from './payment-event';


export const Severity = z.enum(['low', 'medium', 'high']);
export type Severity = z.infer<typeof Severity>;

/** One payment as evidence: the fund flow and order flow are lists of these. */
export const PaymentSnapshot = z.strictObject({
  eventId: ExternalId,
  ...PaymentData.shape,
  quantity: z.int().min(1),
  occurredAt: Timestamp,
});
export type PaymentSnapshot = z.infer<typeof PaymentSnapshot>;

export const FundFlowEntry = PaymentSnapshot.pick({
  paymentId: true, amount: true, currency: true, channel: true, occurredAt: true,
});
export const OrderFlowEntry = PaymentSnapshot.pick({
  orderId: true, paymentId: true, merchantId: true, kind: true, sku: true, category: true,
  quantity: true, unitPrice: true, orderAmount: true, recipientAccount: true, recipientVerified: true,
});

/**
 * The user was asked to confirm this payment by a pre-payment check and paid anyway: the
 * check's intent, when it answered, which reasons it gave, and whether one of them was the
 * mistake this flag is about.
 */
export const ConfirmedWarning = z.strictObject({
  intentId: ExternalId,
  checkedAt: Timestamp,
  reasons: z.array(CheckReasonCode),
  coversFlag: z.boolean(),
});
export type ConfirmedWarning = z.infer<typeof ConfirmedWarning>;

/** Why the rule fired: its thresholds and what it compared against. */
export const InformationFlow = z.strictObject({
  rule: FlagType,
  /** The message in English with account numbers masked, for logs and for readers of v1 flags. */
  summary: z.string(),
  /** Since v2: the summary as a key and parameters, rendered in the reader's language. */
  message: FlagMessage.optional(),
  thresholds: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  observed: z.record(z.string(), z.unknown()),
  /** Added by the console when the payer answered through their link; the detector never sets it. */
  payerAnswer: PayerAnswer.optional(),
  /** The user was warned before paying and confirmed; the refund policy may treat that differently. */
  confirmedWarning: ConfirmedWarning.optional(),
});

export const Evidence = z.strictObject({
  fundFlow: z.array(FundFlowEntry),
  orderFlow: z.array(OrderFlowEntry),
  informationFlow: InformationFlow,
});
export type Evidence = z.infer<typeof Evidence>;

/** A suspected mistake, as it travels on `payments.flags.v1`. */
export const Flag = z.strictObject({
  /** 1: the summary is an English sentence only; 2: it also travels as `informationFlow.message`. */
  v: z.literal([1, 2]),
  /** Deterministic: a re-processed event yields the same id, so downstream dedupes on it. */
  flagId: z.string().regex(/^flg_[0-9a-f]{32}$/),
  tenantId: TenantId,
  type: FlagType,
  severity: Severity,
  confidence: z.number().min(0).max(1),
  /** The charge that is probably the mistake. */
  payment: PaymentSnapshot,
  evidence: Evidence,
  receivedAt: Timestamp,
  flaggedAt: Timestamp,
  /**
   * Raised while the detector was rebuilding state Redis had lost: the evidence may be
   * missing history, so the flag is never refunded automatically.
   */
  stateRebuilding: z.literal(true).optional(),
}).refine((flag) => flag.v === 1 || flag.evidence.informationFlow.message !== undefined, {
  path: ['evidence', 'informationFlow', 'message'],
  message: 'a v2 flag carries its summary as a message',
});
export type Flag = z.infer<typeof Flag>;
