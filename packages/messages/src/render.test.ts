import { describe, expect, it } from 'vitest';
import { CheckMessage, checkMessageKeys, DecisionMessage, FlagMessage, flagMessageKeys, GuardMessage } from '@backstop/contracts';
import { messageKeys, renderMessage } from './index.js';

const cny = (amount: number) => ({ amount, currency: 'CNY' });

/** One valid message per key, each checked against the contract before it is rendered. */
const example = (key: string, nth = 0) => examples.filter((e) => e.key === key)[nth]!;
const examples = [
  FlagMessage.parse({ key: 'duplicate.exact', params: { orderId: 'ord_1', payments: 2, paidTotal: cny(1200), orderAmount: cny(600) } }),
  FlagMessage.parse({ key: 'duplicate.suspected', params: { item: '腾讯Q币-100', amount: cny(10000), recipientAccount: '8000123456', gapSeconds: 8 } }),
  FlagMessage.parse({ key: 'amount.digit_slip', params: { paidPerUnit: cny(5_000_000), factor: 100, usual: cny(50_000), basis: 'payer.sku' } }),
  FlagMessage.parse({ key: 'amount.outlier.payer', params: { amount: cny(880_000), usual: cny(3000), robustZ: 9.42, payments: 12 } }),
  FlagMessage.parse({ key: 'amount.outlier.sku', params: { unitPrice: cny(880_000), usual: cny(3000), robustZ: 7.1, payments: 60 } }),
  FlagMessage.parse({ key: 'recipient.near_miss', params: { recipientAccount: '8000123465', meantAccount: '8000123456', edit: 'swapped', meantLastPaidAt: '2026-11-26T02:02:00.000Z' } }),
  FlagMessage.parse({
    key: 'product.misselected',
    params: { mistakenItem: '皮肤-赤焰', mistakenCategory: '皮肤', mistakenAmount: cny(3200), intendedItem: '月卡-30天', usualCategory: '游戏点卡', intendedAmount: cny(3000), usualPurchases: 1, gapSeconds: 95 },
  }),
  FlagMessage.parse({ key: 'velocity.burst', params: { payments: 6, spanSeconds: 41, maxPayments: 5, windowSeconds: 60 } }),
  DecisionMessage.parse({ key: 'decision.auto_refund', params: { flagType: 'duplicate.exact', paymentId: 'pay_2', orderId: 'ord_1' } }),
  DecisionMessage.parse({
    key: 'decision.review',
    params: { flagType: 'product.misselected', paymentId: 'pay_5', orderId: 'ord_5', because: { key: 'guard.intent_not_certain', params: { severity: 'medium', confidence: 0.75 } } },
  }),
  DecisionMessage.parse({
    key: 'decision.review',
    params: { flagType: 'amount.digit_slip', paymentId: 'pay_9', orderId: 'ord_9', because: { key: 'guard.single_limit', params: { amount: cny(5_000_000), limit: cny(100_000) } } },
  }),
  DecisionMessage.parse({
    key: 'decision.shadow',
    params: { flagType: 'duplicate.suspected', paymentId: 'pay_3', orderId: 'ord_3', wouldDo: 'review', because: { key: 'guard.daily_budget', params: { budget: cny(1_000_000), used: cny(990_000) } } },
  }),
  CheckMessage.parse({ key: 'check.duplicate.recent_same_order', params: { paid: cny(3000), secondsAgo: 8 } }),
  CheckMessage.parse({ key: 'check.duplicate.recent_same_purchase', params: { item: '腾讯Q币-100', amount: cny(3000), secondsAgo: 95 } }),
  CheckMessage.parse({ key: 'check.amount.digit_slip', params: { amount: cny(100_000), usual: cny(10_000), factor: 10 } }),
  CheckMessage.parse({ key: 'check.amount.unusual', params: { amount: cny(70_000), usual: cny(5_000) } }),
  CheckMessage.parse({ key: 'check.recipient.near_known', params: { recipientAccount: '6217001235', knownAccount: '6217001234' } }),
  CheckMessage.parse({ key: 'check.recipient.unverified_new', params: { recipientAccount: '6230559871' } }),
  CheckMessage.parse({ key: 'check.product.unusual_category', params: { category: '皮肤', usualCategory: '游戏点卡' } }),
];

describe('renderMessage', () => {
  it('has a sentence in both languages for every key the contracts define, and no other', () => {
    const contractKeys = [...flagMessageKeys, ...DecisionMessage.options.map((option) => option.shape.key.value), ...checkMessageKeys];
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

  it('says every reason an automatic refund went to a person, in both languages', () => {
    const guards = [
      GuardMessage.parse({ key: 'guard.kill_switch', params: {} }),
      GuardMessage.parse({ key: 'guard.single_limit', params: { amount: cny(200), limit: cny(100) } }),
      GuardMessage.parse({ key: 'guard.daily_budget', params: { budget: cny(1000), used: cny(900) } }),
      GuardMessage.parse({ key: 'guard.state_rebuilding', params: {} }),
      GuardMessage.parse({ key: 'guard.intent_not_certain', params: { severity: 'low', confidence: 0.55 } }),
      GuardMessage.parse({ key: 'guard.delivered_not_revocable', params: {} }),
      GuardMessage.parse({ key: 'guard.warned_and_confirmed', params: {} }),
    ];
    expect(guards.map((guard) => guard.key).sort()).toEqual(GuardMessage.options.map((option) => option.shape.key.value).sort());
    for (const because of guards) {
      const message = DecisionMessage.parse({ key: 'decision.review', params: { flagType: 'duplicate.exact', paymentId: 'p', orderId: 'o', because } });
      expect(renderMessage(message, { lang: 'en' }), because.key).toMatch(/; not automatic because \S.+\.$/);
      expect(renderMessage(message, { lang: 'zh' }), because.key).toMatch(/；未自动退款，因为\S.+。$/);
    }
  });

  it("asks the user about to pay in their language, money by the currency's minor units", () => {
    const again = example('check.duplicate.recent_same_order');
    expect(renderMessage(again, { lang: 'en' })).toBe('You paid CN¥30.00 for this order 8 seconds ago. Pay again?');
    expect(renderMessage(again, { lang: 'zh' })).toBe('你 8 秒前已为该订单支付 ¥30.00，确定再次支付？');
    expect(renderMessage(example('check.amount.digit_slip'), { lang: 'en' })).toBe('CN¥1,000.00 is 10 times the CN¥100.00 you usually pay for this. Is the amount right?');
    expect(renderMessage(example('check.amount.digit_slip'), { lang: 'zh' })).toBe('¥1,000.00 是你通常支付的 ¥100.00 的 10 倍，金额确定无误？');
    const yen = CheckMessage.parse({ key: 'check.duplicate.recent_same_order', params: { paid: { amount: 500, currency: 'JPY' }, secondsAgo: 1 } });
    expect(renderMessage(yen, { lang: 'en' })).toBe('You paid ¥500 for this order 1 second ago. Pay again?');
  });

  it('formats every amount by the currency, never as raw minor units', () => {
    const slip = example('amount.digit_slip');
    expect(renderMessage(slip, { lang: 'en' })).toBe('Paid CN¥50,000.00 per unit, 100× the usual CN¥500.00 (what this payer usually pays for this item).');
    expect(renderMessage(slip, { lang: 'zh' })).toBe('每件支付 ¥50,000.00，是通常价格 ¥500.00（该付款人购买此商品的常付价格）的 100 倍。');
    expect(renderMessage(example('duplicate.exact'), { lang: 'en' })).toBe('Order ord_1 was paid 2 times: CN¥12.00 in all against an order amount of CN¥6.00.');
    expect(renderMessage(example('duplicate.exact'), { lang: 'zh' })).toBe('订单 ord_1 被支付了 2 次，共 ¥12.00，而订单金额为 ¥6.00。');
    const yen = FlagMessage.parse({ key: 'duplicate.exact', params: { orderId: 'o', payments: 2, paidTotal: { amount: 1000, currency: 'JPY' }, orderAmount: { amount: 500, currency: 'JPY' } } });
    expect(renderMessage(yen, { lang: 'en' })).toContain('¥1,000 in all against an order amount of ¥500.');
    expect(renderMessage(example('decision.review', 1), { lang: 'en' })).toBe(
      'Review: amount off by a power of ten on payment pay_9 (order ord_9); not automatic because CN¥50,000.00 exceeds the single auto-refund limit of CN¥1,000.00.',
    );
  });

  it('masks account numbers unless the reader may see them whole', () => {
    const nearMiss = example('recipient.near_miss');
    expect(renderMessage(nearMiss, { lang: 'en' })).not.toContain('8000123465');
    expect(renderMessage(nearMiss, { lang: 'en' })).toContain('80******65');
    expect(renderMessage(nearMiss, { lang: 'zh', accounts: 'whole' })).toContain('8000123465');
    expect(renderMessage(nearMiss, { lang: 'zh', accounts: 'whole' })).toContain('8000123456');
  });

  it('renders moments in the zone asked for', () => {
    expect(renderMessage(example('recipient.near_miss'), { lang: 'en', timeZone: 'Asia/Shanghai' })).toContain('10:02:00');
    expect(renderMessage(example('recipient.near_miss'), { lang: 'en' })).toContain('02:02:00 UTC');
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
