import { createHash, generateKeyPairSync } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import { keyIdOf, rawPublicKey } from '../signing/tenant-keys';
import type { EvidenceFile, EvidenceSections } from './evidence-file';
import { publicJwk, signSections } from './evidence-signature';

// An evidence file of a refunded double payment, for the tests of its check and its PDF.

export function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = rawPublicKey(publicKey);
  return { privateKey, jwk: publicJwk(raw, keyIdOf(raw)) };
}
export const issuer = keyPair();

function auditEntry(seq: number, prevHash: string, content: Record<string, unknown>) {
  const hash = createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(canonicalize(content)).digest('hex');
  return { seq, content, prevHash, hash };
}

export function sections(): EvidenceSections {
  const first = auditEntry(3, '00'.repeat(32), { tenantId: 'shop-a', seq: 3, decisionId: 'd1', paymentId: 'pay_2', from: null, to: 'approved', amount: 3000, currency: 'CNY', actor: 'policy:auto_refund', at: '2026-11-26T02:03:00.000Z' });
  const second = auditEntry(9, 'ab'.repeat(32), { tenantId: 'shop-a', seq: 9, decisionId: 'd1', paymentId: 'pay_2', from: 'approved', to: 'sent', amount: 3000, currency: 'CNY', actor: 'outbox', at: '2026-11-26T02:03:01.000Z' });
  return {
    issuer: { name: 'Backstop', tenantId: 'shop-a', publicKey: issuer.jwk, publicKeyUrl: 'http://console.example/.well-known/backstop/evidence-keys/shop-a', issuedAt: '2026-11-26T03:00:00.000Z' },
    flag: { flagId: `flg_${'1'.repeat(32)}`, type: 'duplicate.exact', typeName: { en: 'duplicate payment of an order', zh: '订单重复支付' }, severity: 'high', confidence: 0.99, receivedAt: '2026-11-26T02:03:00.000Z', flaggedAt: '2026-11-26T02:03:00.400Z' },
    payment: { paymentId: 'pay_2', orderId: 'ord_1', amount: 3000, currency: 'CNY' },
    fundFlow: [{ paymentId: 'pay_1', amount: 3000 }, { paymentId: 'pay_2', amount: 3000 }],
    orderFlow: [{ orderId: 'ord_1', paymentId: 'pay_1' }, { orderId: 'ord_1', paymentId: 'pay_2' }],
    informationFlow: { rule: 'duplicate.exact', summary: { en: 'Order ord_1 was paid 2 times', zh: '订单 ord_1 被支付了 2 次' }, thresholds: [{ name: 'maxPaymentsPerOrder', value: 1 }], observed: { payments: 2 }, payerAnswer: null },
    decision: {
      decisionId: 'd1', action: 'auto_refund', status: 'sent', amount: 3000, currency: 'CNY', amountText: { en: 'CN¥30.00', zh: '¥30.00' }, reason: { en: 'Automatic refund', zh: '自动退款' },
      lifecycle: [{ from: null, to: 'approved', at: '2026-11-26T02:03:00.000Z', actor: 'policy:auto_refund' }, { from: 'approved', to: 'sent', at: '2026-11-26T02:03:01.000Z', actor: 'outbox' }],
    },
    verification: { auditEntries: [first, second], howToVerify: ['…'] },
  };
}

export const signed = (document: EvidenceSections = sections()): EvidenceFile => {
  return { format: 'backstop.evidence.v1', document, signature: signSections(document, issuer.jwk.kid, issuer.privateKey) };
};
