import { DecisionMessage, type DecisionStatus, type Evidence, type FlagMessage, type FlagType, type GuardMessage, type PayerAnswerChoice, type PaymentSnapshot, type PolicyAction } from '@backstop/contracts';
import type { PayerCase, PayerDecline } from '@backstop/messages';
import type { Pool } from '@backstop/postgres';
import { REFUNDS_ELSEWHERE_OF_D } from '../refunds/refunded-elsewhere';

/** A step of the decision's lifecycle as the payer follows it. */
export type PayerStage = 'detected' | 'review' | 'refund_sent' | 'refund_confirmed' | 'refund_failed' | 'declined';
export interface PayerStep {
  stage: PayerStage;
  at: string | null;
  state: 'done' | 'current' | 'upcoming';
}

/** One payment of the flagged order, as the payer may see it. */
export interface PayerPayment {
  paymentId: string;
  amount: number;
  currency: string;
  occurredAt: string;
}

/** Everything the payer's page shows, and nothing of the tenant's internals or other orders. */
export interface PayerView {
  timeZone: string;
  summary: PayerCase;
  steps: PayerStep[];
  payments: PayerPayment[];
  /** The payer may answer once, while a person is reviewing the flag. */
  canAnswer: boolean;
  answer: { answer: PayerAnswerChoice; answeredAt: string } | null;
}

interface CaseRow {
  type: FlagType;
  payment: PaymentSnapshot;
  evidence: Evidence;
  flagged_at: Date;
  time_zone: string;
  action: PolicyAction;
  status: Exclude<DecisionStatus, 'shadowed'>;
  refund_amount: number;
  refund_currency: string;
  created_at: Date;
  approved_at: Date | null;
  sent_at: Date | null;
  confirmed_at: Date | null;
  confirmed_amount: number | null;
  updated_at: Date;
  answer: PayerAnswerChoice | null;
  answered_at: Date | null;
  reason_message: unknown;
  false_positive: boolean;
  refunded_elsewhere: boolean;
}

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

/** The payments of the flagged order only: the evidence may hold others of the payer. */
export function sameOrderPayments(payment: PaymentSnapshot, evidence: Evidence): PayerPayment[] {
  const ofOrder = new Set(evidence.orderFlow.filter((entry) => entry.orderId === payment.orderId).map((entry) => entry.paymentId));
  ofOrder.add(payment.paymentId);
  const payments = evidence.fundFlow.filter((entry) => ofOrder.has(entry.paymentId))
    .map(({ paymentId, amount, currency, occurredAt }) => ({ paymentId, amount, currency, occurredAt }));
  if (!payments.some((p) => p.paymentId === payment.paymentId)) {
    payments.push({ paymentId: payment.paymentId, amount: payment.amount, currency: payment.currency, occurredAt: payment.occurredAt });
  }
  return payments.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
}

/** The rule's own numbers, where the payer's sentence uses them. */
function detailsOf(message: FlagMessage | undefined): Partial<PayerCase> {
  switch (message?.key) {
    case 'duplicate.exact': return { payments: message.params.payments };
    case 'amount.digit_slip': return { usual: message.params.usual, factor: message.params.factor };
    case 'amount.outlier.payer': return { usual: message.params.usual };
    case 'recipient.near_miss': return { recipientAccount: message.params.recipientAccount, meantAccount: message.params.meantAccount };
    case 'product.misselected': return { item: message.params.mistakenItem };
    case 'velocity.burst': return { payments: message.params.payments };
    default: return {};
  }
}

/**
 * Why the guard sent a refund to a person, where that is also why the payer kept no refund and
 * is theirs to know. The others (kill switch, daily budget, rebuilding state, a rule's
 * confidence) are the shop's own affairs, told as a plain decline.
 */
const guardDeclines: Partial<Record<GuardMessage['key'], PayerDecline>> = {
  'guard.warned_and_confirmed': 'warned_before_paying',
  'guard.delivered_not_revocable': 'goods_delivered',
  'guard.single_limit': 'over_auto_limit',
};

/**
 * Why no refund reached the payer, as a category with words of its own: a reviewer's note is
 * never shown. The facts that settle it most plainly come first: money already given back, the
 * payer's own answer, the reviewer's judgement that the flag was wrong, then why it was reviewed.
 */
export function declineOf(row: Pick<CaseRow, 'status' | 'reason_message' | 'false_positive' | 'refunded_elsewhere' | 'answer'>): PayerDecline | undefined {
  if (row.status === 'failed') return 'provider_refused';
  if (row.status !== 'rejected') return undefined;
  if (row.refunded_elsewhere) return 'refunded_elsewhere';
  if (row.answer === 'intended') return 'payer_said_intended';
  if (row.false_positive) return 'judged_intended';
  const reason = DecisionMessage.safeParse(row.reason_message);
  const because = reason.success && reason.data.key === 'decision.review' ? reason.data.params.because?.key : undefined;
  return (because && guardDeclines[because]) ?? 'shop_declined';
}

export function lifecycle(row: Pick<CaseRow, 'action' | 'status' | 'flagged_at' | 'created_at' | 'approved_at' | 'sent_at' | 'confirmed_at' | 'updated_at'>): PayerStep[] {
  const steps: PayerStep[] = [{ stage: 'detected', at: iso(row.flagged_at), state: 'done' }];
  const { status } = row;
  if (row.action === 'review') steps.push({ stage: 'review', at: iso(row.created_at), state: status === 'pending_review' ? 'current' : 'done' });
  if (status === 'rejected') {
    steps.push({ stage: 'declined', at: iso(row.updated_at), state: 'done' });
    return steps;
  }
  const sent = status === 'approved' || status === 'sent' ? 'current' : status === 'pending_review' ? 'upcoming' : 'done';
  steps.push({ stage: 'refund_sent', at: sent === 'upcoming' ? null : iso(row.sent_at ?? row.approved_at), state: sent });
  if (status === 'failed') steps.push({ stage: 'refund_failed', at: iso(row.confirmed_at), state: 'done' });
  else steps.push({ stage: 'refund_confirmed', at: status === 'succeeded' ? iso(row.confirmed_at) : null, state: status === 'succeeded' ? 'done' : 'upcoming' });
  return steps;
}

/** What the payer of this flag may see, or null when the flag has no decision to follow. */
export async function loadPayerView(pool: Pool, tenantId: string, flagId: string): Promise<PayerView | null> {
  const found = await pool.query<CaseRow>(
    `SELECT f.type, f.payment, f.evidence, f.flagged_at, t.time_zone,
            d.action, d.status, d.amount AS refund_amount, d.currency AS refund_currency, d.created_at, d.approved_at,
            d.sent_at, d.confirmed_at, d.confirmed_amount, d.updated_at, a.answer, a.answered_at, d.reason_message, f.false_positive,
            EXISTS (SELECT 1 ${REFUNDS_ELSEWHERE_OF_D}) AS refunded_elsewhere
       FROM flags f
       JOIN tenants t ON t.tenant_id = f.tenant_id
       JOIN refund_decisions d ON d.tenant_id = f.tenant_id AND d.payment_id = f.payment_id AND d.status <> 'shadowed'
       LEFT JOIN payer_answers a ON a.tenant_id = f.tenant_id AND a.flag_id = f.flag_id
      WHERE f.tenant_id = $1 AND f.flag_id = $2`,
    [tenantId, flagId],
  );
  const row = found.rows[0];
  if (!row) return null;
  const payments = sameOrderPayments(row.payment, row.evidence);
  const declined = declineOf(row);
  const summary: PayerCase = {
    type: row.type,
    orderId: row.payment.orderId,
    paidAt: row.payment.occurredAt,
    amount: { amount: row.payment.amount, currency: row.payment.currency },
    payments: payments.length,
    status: row.status,
    refund: { amount: row.refund_amount, currency: row.refund_currency },
    channel: row.payment.channel,
    ...(row.confirmed_amount !== null ? { confirmed: { amount: row.confirmed_amount, currency: row.refund_currency } } : {}),
    ...(row.confirmed_at ? { confirmedAt: row.confirmed_at.toISOString() } : {}),
    ...(declined ? { declined } : {}),
    ...detailsOf(row.evidence.informationFlow.message),
  };
  if (summary.type.startsWith('duplicate')) summary.paidAt = payments[0]!.occurredAt;
  return {
    timeZone: row.time_zone,
    summary,
    steps: lifecycle(row),
    payments,
    canAnswer: row.status === 'pending_review' && row.answer === null,
    answer: row.answer ? { answer: row.answer, answeredAt: row.answered_at!.toISOString() } : null,
  };
}
