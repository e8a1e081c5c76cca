import { createHash } from 'node:crypto';
import type { Flag } from '@backstop/contracts';
import { renderMessage } from '@backstop/messages';
import type { Finding } from './rules';

/**
 * Deterministic: the same rule over the same payments always yields the same id. Parts are
 * joined by newlines, which no id may contain, so different lists never share material.
 */
export function flagIdFor(type: string, tenantId: string, paymentIds: readonly string[]): string {
  const material = [type, tenantId, ...[...paymentIds].sort()].join('\n');
  return `flg_${createHash('sha256').update(material).digest('hex').slice(0, 32)}`;
}

export function buildFlag(tenantId: string, finding: Finding, receivedAt: string, flaggedAt: string): Flag {
  return {
    v: 2,
    flagId: flagIdFor(finding.type, tenantId, (finding.identifiedBy ?? finding.involved).map((p) => p.paymentId)),
    tenantId,
    type: finding.type,
    severity: finding.severity,
    confidence: finding.confidence,
    payment: finding.flagged,
    evidence: {
      fundFlow: finding.involved.map((p) => ({
        paymentId: p.paymentId, amount: p.amount, currency: p.currency, channel: p.channel, occurredAt: p.occurredAt,
      })),
      orderFlow: finding.involved.map((p) => ({
        orderId: p.orderId, paymentId: p.paymentId, merchantId: p.merchantId, kind: p.kind, sku: p.sku,
        category: p.category, quantity: p.quantity, unitPrice: p.unitPrice, orderAmount: p.orderAmount,
        recipientAccount: p.recipientAccount, recipientVerified: p.recipientVerified,
      })),
      // The English sentence, accounts masked, stays for logs and for readers of v1 flags.
      informationFlow: { rule: finding.type, summary: renderMessage(finding.informationFlow.message, { lang: 'en' }), ...finding.informationFlow },
    },
    receivedAt,
    flaggedAt,
  };
}
