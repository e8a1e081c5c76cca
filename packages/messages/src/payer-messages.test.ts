import { describe, expect, it } from 'vitest';
import { renderPayerSummary, type PayerCase } from './index.js';

const twice: PayerCase = {
  type: 'duplicate.exact', orderId: 'ord_7Q2', paidAt: '2026-11-26T02:02:00Z', amount: { amount: 3000, currency: 'CNY' },
  payments: 2, status: 'approved', refund: { amount: 3000, currency: 'CNY' }, channel: 'alipay',
};

describe('what the payer reads', () => {
  it('says a double payment and its refund in plain words, in the tenant\'s time zone', () => {
    expect(renderPayerSummary(twice, { lang: 'en' })).toEqual({
      happened: 'You paid order ord_7Q2 twice on Nov 26, 10:02 (CN¥30.00 each).',
      next: 'The second charge, CN¥30.00, is being refunded to your Alipay account; refunds of this kind usually arrive within 1 business day.',
    });
    expect(renderPayerSummary(twice, { lang: 'zh-CN' })).toEqual({
      happened: '您在 11月26日 10:02 为订单 ord_7Q2 支付了两次（每次 ¥30.00）。',
      next: '第二笔扣款 ¥30.00 正在退回您的支付宝账户，此类退款通常在 1 个工作日内到账。',
    });
  });

  it('formats money by the currency\'s exponent and masks accounts', () => {
    const yen = renderPayerSummary({
      ...twice, type: 'recipient.near_miss', amount: { amount: 5000, currency: 'JPY' }, refund: { amount: 5000, currency: 'JPY' },
      recipientAccount: '8000123465', meantAccount: '8000123456', status: 'succeeded', confirmedAt: '2026-11-27T01:00:00Z', channel: 'card',
    }, { lang: 'en', timeZone: 'Asia/Tokyo' });
    expect(yen.happened).toContain('¥5,000');
    expect(yen.happened).not.toContain('8000123465');
    expect(yen.happened).toContain('80******65');
    expect(yen.next).toBe('¥5,000 was refunded to your bank card on Nov 27, 10:00.');
  });

  it('has a next step for every status the payer can see, in both languages', () => {
    for (const status of ['pending_review', 'approved', 'sent', 'succeeded', 'failed', 'rejected'] as const) {
      for (const lang of ['en', 'zh']) expect(renderPayerSummary({ ...twice, status }, { lang }).next, `${status} ${lang}`).not.toBe('');
    }
  });

  it('tells a duplicate whose other payment is missing as one payment, never "1 times"', () => {
    const once = renderPayerSummary({ ...twice, payments: 1 }, { lang: 'en' }).happened;
    expect(once).toBe('On Nov 26, 10:02 you paid CN¥30.00 for order ord_7Q2, and it looks like a mistake.');
  });
});
