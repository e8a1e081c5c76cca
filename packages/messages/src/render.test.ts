import { describe, expect, it } from 'vitest';
import { DecisionMessage, FlagMessage, flagMessageKeys } from '@backstop/contracts';
import { messageKeys, renderMessage } from './index.js';

const cny = (amount: number) => ({ amount, currency: 'CNY' });

/** One valid message per key, each checked against the contract before it is rendered. */
const examples = [
  FlagMessage.parse({ key: 'duplicate.exact', params: { orderId: 'ord_1', payments: 2, paidTotal: cny(1200), orderAmount: cny(600) } }),
  FlagMessage.parse({ key: 'duplicate.suspected', params: { item: '腾讯Q币-100', amount: cny(10000), recipientAccount: '8000123456', gapSeconds: 8 } }),
  FlagMessage.parse({ key: 'amount.digit_slip', params: { paidPerUnit: cny(5_000_000), factor: 100, usual: cny(50_000), basis: 'payer.sku' } }),
  FlagMessage.parse({ key: 'amount.outlier.payer', params: { amount: cny(880_000), usual: cny(3000), robustZ: 9.42, payments: 12 } }),
  FlagMessage.parse({ key: 'amount.outlier.sku', params: { unitPrice: cny(880_000), usual: cny(3000), robustZ: 7.1, payments: 60 } }),
  FlagMessage.parse({ key: 'recipient.near_miss', params: { recipientAccount: '8000123465', meantAccount: '8000123456', edit: 'swapped', meantLastPaidAt: '2026-11-26T02:02:00.000Z' } }),
  FlagMessage.parse({ key: 'product.misselected', params: { mistakenItem: '皮肤-赤焰', mistakenCategory: '皮肤', intendedItem: '月卡-30天', usualCategory: '游戏点卡', gapSeconds: 95 } }),
  FlagMessage.parse({ key: 'velocity.burst', params: { payments: 6, spanSeconds: 41, maxPayments: 5, windowSeconds: 60 } }),
  DecisionMessage.parse({ key: 'decision.auto_refund', params: { flagType: 'duplicate.exact', paymentId: 'pay_2', orderId: 'ord_1' } }),
  DecisionMessage.parse({
    key: 'decision.review',
    params: { flagType: 'amount.digit_slip', paymentId: 'pay_9', orderId: 'ord_9', because: { key: 'guard.single_limit', params: { amount: cny(5_000_000), limit: cny(100_000) } } },
  }),
  DecisionMessage.parse({
    key: 'decision.shadow',
    params: { flagType: 'duplicate.suspected', paymentId: 'pay_3', orderId: 'ord_3', wouldDo: 'review', because: { key: 'guard.daily_budget', params: { budget: cny(1_000_000), used: cny(990_000) } } },
  }),
];

describe('renderMessage', () => {
  it('has a sentence in both languages for every key the contracts define, and no other', () => {
    const contractKeys = [...flagMessageKeys, ...DecisionMessage.options.map((option) => option.shape.key.value)];
    expect([...messageKeys].sort()).toEqual([...contractKeys].sort());
    expect(new Set(examples.map((example) => example.key))).toEqual(new Set(contractKeys));
    for (const example of examples) {
      for (const lang of ['en', 'zh']) {
        const sentence = renderMessage(example, { lang }, 'FALLBACK');
        expect(sentence, `${example.key} in ${lang}`).not.toBe('FALLBACK');
        expect(sentence, `${example.key} in ${lang}`).not.toMatch(/undefined|NaN|\[object/);
      }
    }
  });

  it('formats every amount by the currency, never as raw minor units', () => {
    const slip = examples[2]!;
    expect(renderMessage(slip, { lang: 'en' })).toBe('Paid CN¥50,000.00 per unit, 100× the usual CN¥500.00 (what this payer usually pays for this item).');
    expect(renderMessage(slip, { lang: 'zh' })).toBe('每件支付 ¥50,000.00，是通常价格 ¥500.00（该付款人购买此商品的常付价格）的 100 倍。');
    expect(renderMessage(examples[0]!, { lang: 'en' })).toBe('Order ord_1 was paid 2 times: CN¥12.00 in all against an order amount of CN¥6.00.');
    expect(renderMessage(examples[0]!, { lang: 'zh' })).toBe('订单 ord_1 被支付了 2 次，共 ¥12.00，而订单金额为 ¥6.00。');
    const yen = FlagMessage.parse({ key: 'duplicate.exact', params: { orderId: 'o', payments: 2, paidTotal: { amount: 1000, currency: 'JPY' }, orderAmount: { amount: 500, currency: 'JPY' } } });
    expect(renderMessage(yen, { lang: 'en' })).toContain('¥1,000 in all against an order amount of ¥500.');
    expect(renderMessage(examples[9]!, { lang: 'en' })).toBe(
      'Review: amount off by a power of ten on payment pay_9 (order ord_9); not automatic because CN¥50,000.00 exceeds the single auto-refund limit of CN¥1,000.00.',
    );
  });

  it('masks account numbers unless the reader may see them whole', () => {
    const nearMiss = examples[5]!;
    expect(renderMessage(nearMiss, { lang: 'en' })).not.toContain('8000123465');
    expect(renderMessage(nearMiss, { lang: 'en' })).toContain('80******65');
    expect(renderMessage(nearMiss, { lang: 'zh', accounts: 'whole' })).toContain('8000123465');
    expect(renderMessage(nearMiss, { lang: 'zh', accounts: 'whole' })).toContain('8000123456');
  });

  it('renders moments in the zone asked for', () => {
    expect(renderMessage(examples[5]!, { lang: 'en', timeZone: 'Asia/Shanghai' })).toContain('10:02:00');
    expect(renderMessage(examples[5]!, { lang: 'en' })).toContain('02:02:00 UTC');
  });

  it('falls back to the given sentence for a key it does not know or parameters it cannot use', () => {
    expect(renderMessage({ key: 'no.such.key', params: {} } as never, { lang: 'zh' }, 'stored summary')).toBe('stored summary');
    expect(renderMessage({ key: 'duplicate.exact', params: { paidTotal: null } } as never, { lang: 'en' }, 'stored summary')).toBe('stored summary');
    expect(renderMessage(undefined, { lang: 'en' }, 'stored summary')).toBe('stored summary');
  });

  it('drops bidirectional controls a platform value may still carry', () => {
    const message = { key: 'duplicate.exact', params: { orderId: 'ord\u202eevil', payments: 2, paidTotal: cny(2), orderAmount: cny(1) } } as never;
    expect(renderMessage(message, { lang: 'en' })).toContain('ordevil');
  });
});
