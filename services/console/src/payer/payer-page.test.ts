import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PayerView } from './payer-case';
import { renderAnswerRefused, renderPayerPage } from './payer-page';

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

  it('tells a refused answer in the page\'s language, linking back to the page, with the token written as text', () => {
    const token = 'pl1."><script>alert(1)</script>';
    for (const reason of ['not-under-review', 'already-answered', 'invalid-answer'] as const) {
      const zh = renderAnswerRefused(reason, 'zh', token);
      expect(zh).toContain('<html lang="zh-CN">');
      expect(zh).not.toContain('<script>');
      expect(zh).toContain(`href="/p/${encodeURIComponent(token)}?lang=zh"`);
      expect(renderAnswerRefused(reason, 'en', token)).toContain('Back to your payment');
    }
    expect(renderAnswerRefused('not-under-review', 'zh', 'pl1.a.b')).toContain('这笔付款已不在核实中');
    expect(renderAnswerRefused('already-answered', 'zh', 'pl1.a.b')).toContain('您已回答过');
  });
});
