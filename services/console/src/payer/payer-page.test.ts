import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PayerView } from './payer-case';
import { renderPayerPage } from './payer-page';

const view = (orderId: string, paymentId = 'pay_1'): PayerView => ({
  timeZone: 'Asia/Shanghai',
  summary: { type: 'duplicate.exact', orderId, paidAt: '2026-11-26T02:02:00Z', amount: { amount: 3000, currency: 'CNY' }, payments: 2, status: 'pending_review', refund: { amount: 3000, currency: 'CNY' }, channel: 'alipay' },
  steps: [{ stage: 'detected', at: '2026-11-26T02:03:00Z', state: 'done' }],
  payments: [{ paymentId, amount: 3000, currency: 'CNY', occurredAt: '2026-11-26T02:02:00Z' }],
  canAnswer: true,
  answer: null,
});

describe('the payer page', () => {
  it('writes the platform\'s words as text, never as markup', () => {
    const page = renderPayerPage(view('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'), 'en', 'pl1.a.b');
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('adds no element of its own for any order id or payment id', () => {
    const elements = (html: string) => html.match(/<[a-z]+/g)?.length;
    const plain = elements(renderPayerPage(view('ord_1'), 'zh', 'pl1.a.b'));
    fc.assert(fc.property(fc.string(), fc.string(), (orderId, paymentId) => {
      expect(elements(renderPayerPage(view(orderId, paymentId), 'zh', 'pl1.a.b'))).toBe(plain);
    }));
  });
});
