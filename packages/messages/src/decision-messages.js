// Why the refund policy decided what it did, in each language the product speaks.

export const flagTypeNames = {
  en: {
    'duplicate.exact': 'duplicate payment of an order',
    'duplicate.suspected': 'suspected duplicate purchase',
    'amount.digit_slip': 'amount off by a power of ten',
    'amount.outlier': 'unusually large amount',
    'recipient.near_miss': 'mistyped recipient account',
    'product.misselected': 'wrong product picked',
    'velocity.burst': 'burst of payments',
  },
  zh: {
    'duplicate.exact': '订单重复支付',
    'duplicate.suspected': '疑似重复购买',
    'amount.digit_slip': '金额多输或少输了位数',
    'amount.outlier': '金额异常偏大',
    'recipient.near_miss': '收款账号输错',
    'product.misselected': '选错商品',
    'velocity.burst': '短时间内频繁支付',
  },
};

const severityNames = {
  en: { low: 'low', medium: 'medium', high: 'high' },
  zh: { low: '低', medium: '中', high: '高' },
};

const actionNames = {
  en: { auto_refund: 'an automatic refund', review: 'review', notify: 'a notification only' },
  zh: { auto_refund: '自动退款', review: '人工审核', notify: '仅通知' },
};

export const guardMessages = {
  en: {
    'guard.kill_switch': () => 'the kill switch is on',
    'guard.single_limit': (p, f) => `${f.money(p.amount)} exceeds the single auto-refund limit of ${f.money(p.limit)}`,
    'guard.daily_budget': (p, f) => `today's auto-refund budget of ${f.money(p.budget)} would be exceeded (${f.money(p.used)} used)`,
    'guard.state_rebuilding': () => 'the detector was rebuilding lost state, so its evidence may be incomplete',
    'guard.intent_not_certain': (p, f) =>
      `a wrong product is refunded automatically only at high confidence, and this flag is ${severityNames.en[p.severity]} (${f.number(p.confidence, 2)})`,
    'guard.delivered_not_revocable': () => 'the goods were delivered and the policy does not say they can be revoked',
    'guard.warned_and_confirmed': () => 'a pre-payment check warned the user of this and they confirmed and paid anyway',
  },
  zh: {
    'guard.kill_switch': () => '自动退款总开关已关闭',
    'guard.single_limit': (p, f) => `${f.money(p.amount)} 超过单笔自动退款上限 ${f.money(p.limit)}`,
    'guard.daily_budget': (p, f) => `将超出今日自动退款额度 ${f.money(p.budget)}（已用 ${f.money(p.used)}）`,
    'guard.state_rebuilding': () => '检测器正在重建丢失的状态，证据可能不完整',
    'guard.intent_not_certain': (p, f) => `选错商品只在高置信度时自动退款，而此告警为${severityNames.zh[p.severity]}置信度（${f.number(p.confidence, 2)}）`,
    'guard.delivered_not_revocable': () => '商品已发放，且退款策略未声明可以撤回',
    'guard.warned_and_confirmed': () => '支付前的检查已就此提醒用户，用户确认后仍然支付',
  },
};

const what = {
  en: (p, f) => `${flagTypeNames.en[p.flagType]} on payment ${f.text(p.paymentId)} (order ${f.text(p.orderId)})`,
  zh: (p, f) => `支付 ${f.text(p.paymentId)}（订单 ${f.text(p.orderId)}）${flagTypeNames.zh[p.flagType]}`,
};

export const decisionMessages = {
  en: {
    'decision.auto_refund': (p, f) => `Automatic refund: ${what.en(p, f)}.`,
    'decision.review': (p, f) => `Review: ${what.en(p, f)}${p.because ? `; not automatic because ${f.guard(p.because)}` : ''}.`,
    'decision.shadow': (p, f) => `Shadow: would have chosen ${actionNames.en[p.wouldDo]} for ${what.en(p, f)}${p.because ? ` because ${f.guard(p.because)}` : ''}.`,
  },
  zh: {
    'decision.auto_refund': (p, f) => `自动退款：${what.zh(p, f)}。`,
    'decision.review': (p, f) => `人工审核：${what.zh(p, f)}${p.because ? `；未自动退款，因为${f.guard(p.because)}` : ''}。`,
    'decision.shadow': (p, f) => `影子模式：本会选择${actionNames.zh[p.wouldDo]}，${what.zh(p, f)}${p.because ? `，因为${f.guard(p.because)}` : ''}。`,
  },
};
