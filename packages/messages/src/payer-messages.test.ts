import { describe, expect, it } from 'vitest';
import { payerDeclines, renderPayerSummary, type PayerCase, type PayerDecline } from './index.js';

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

  describe('why no refund came, by the decision\'s reason, in both languages', () => {
    const said: Record<PayerDecline, { status: 'rejected' | 'failed'; en: string; zh: string }> = {
      refunded_elsewhere: {
        status: 'rejected',
        en: 'This payment had already been refunded another way, so it was not refunded a second time.',
        zh: '这笔付款已通过其他方式退款，因此不会再次退款。',
      },
      payer_said_intended: {
        status: 'rejected',
        en: 'You told us you meant this payment, so the shop kept it. If that is not what you meant, please contact the shop.',
        zh: '您告诉我们这笔付款是有意的，因此商家保留了这笔付款。如果这不是您的本意，请联系商家。',
      },
      judged_intended: {
        status: 'rejected',
        en: 'The shop checked the payment and judged that you meant to make it, so it was not refunded. If you disagree, please contact the shop.',
        zh: '商家核实后认为这笔付款是您有意支付的，因此未予退款。如有异议，请联系商家。',
      },
      warned_before_paying: {
        status: 'rejected',
        en: 'Before you paid, you were warned that this payment looked like a mistake and chose to pay anyway, so the shop kept it. If you disagree, please contact the shop.',
        zh: '您在付款前已收到这笔付款可能有误的提醒，仍确认支付，因此商家保留了这笔付款。如有异议，请联系商家。',
      },
      goods_delivered: {
        status: 'rejected',
        en: 'What you paid for had already been delivered and cannot be taken back, so the shop kept the payment. If you disagree, please contact the shop.',
        zh: '您购买的商品或服务已经交付且无法收回，因此商家保留了这笔付款。如有异议，请联系商家。',
      },
      over_auto_limit: {
        status: 'rejected',
        en: 'The amount is above what the shop refunds automatically, so a person checked it and decided not to refund it. If you disagree, please contact the shop.',
        zh: '这笔金额超出了商家自动退款的范围，经人工核实后决定不予退款。如有异议，请联系商家。',
      },
      shop_declined: {
        status: 'rejected',
        en: 'The shop checked the payment and decided not to refund it. If you disagree, please contact the shop.',
        zh: '商家核实后决定不予退款。如有异议，请联系商家。',
      },
      provider_refused: {
        status: 'failed',
        en: 'The payment provider refused the refund, so it could not be completed. The shop has been told and will contact you.',
        zh: '支付机构拒绝了这笔退款，退款未能完成。商家已收到通知，会与您联系。',
      },
    };

    it.each(Object.keys(said) as PayerDecline[])('%s', (declined) => {
      const { status, en, zh } = said[declined];
      expect(renderPayerSummary({ ...twice, status, declined }, { lang: 'en' }).next).toBe(en);
      expect(renderPayerSummary({ ...twice, status, declined }, { lang: 'zh-CN' }).next).toBe(zh);
    });

    it('has words for every category, each its own', () => {
      expect([...payerDeclines].sort()).toEqual(Object.keys(said).sort());
      for (const lang of ['en', 'zh'] as const) expect(new Set(Object.values(said).map((words) => words[lang])).size).toBe(payerDeclines.length);
    });

    it('says a plain decline, or the provider\'s refusal, when the category is not known', () => {
      expect(renderPayerSummary({ ...twice, status: 'rejected' }, { lang: 'en' }).next).toBe(said.shop_declined.en);
      expect(renderPayerSummary({ ...twice, status: 'failed' }, { lang: 'zh' }).next).toBe(said.provider_refused.zh);
    });
  });
});
