// Why each rule fired, in each language the product speaks. A template receives the message's
// parameters and formatters bound to the reader (language, and whether accounts are masked).

const digitSlipBasis = {
  en: {
    'unitPrice×quantity': 'unit price × quantity',
    'payer.sku': 'what this payer usually pays for this item',
    'payer.category': "this payer's usual price in the category",
    sku: "this item's usual price across payers",
  },
  zh: {
    'unitPrice×quantity': '单价 × 数量',
    'payer.sku': '该付款人购买此商品的常付价格',
    'payer.category': '该付款人在此类目的常付价格',
    sku: '此商品在所有付款人中的常见价格',
  },
};

const accountEdit = {
  en: { substituted: 'one character different', missing: 'one character missing', extra: 'one character extra', swapped: 'two neighbouring characters swapped', case: 'letter case differs' },
  zh: { substituted: '错了一个字符', missing: '少了一个字符', extra: '多了一个字符', swapped: '相邻两个字符颠倒', case: '大小写不同' },
};

/** 10 → "10×"; 0.1 → "1/10 of". */
const enFactor = (factor) => (factor >= 1 ? `${Math.round(factor)}×` : `1/${Math.round(1 / factor)} of`);
const zhFactor = (factor) => (factor >= 1 ? `${Math.round(factor)} 倍` : `${Math.round(1 / factor)} 分之一`);

export const flagMessages = {
  en: {
    'duplicate.exact': (p, f) =>
      `Order ${f.text(p.orderId)} was paid ${p.payments} times: ${f.money(p.paidTotal)} in all against an order amount of ${f.money(p.orderAmount)}.`,
    'duplicate.suspected': (p, f) =>
      `The same purchase (${f.text(p.item)}, ${f.money(p.amount)}${p.recipientAccount ? ` for ${f.account(p.recipientAccount)}` : ''}) was paid under two orders ${f.duration(p.gapSeconds)} apart.`,
    'amount.digit_slip': (p, f) =>
      `Paid ${f.money(p.paidPerUnit)} per unit, ${enFactor(p.factor)} the usual ${f.money(p.usual)} (${digitSlipBasis.en[p.basis]}).`,
    'amount.outlier.payer': (p, f) =>
      `Amount ${f.money(p.amount)} is far above the payer's usual ${f.money(p.usual)} (robust z ${f.number(p.robustZ)} over ${p.payments} payments).`,
    'amount.outlier.sku': (p, f) =>
      `Unit price ${f.money(p.unitPrice)} is far above this item's usual ${f.money(p.usual)} (robust z ${f.number(p.robustZ)} over ${p.payments} payments).`,
    'recipient.near_miss': (p, f) =>
      `Paid to ${f.account(p.recipientAccount)}, never used before, ${accountEdit.en[p.edit]} from ${f.account(p.meantAccount)}, last paid ${f.time(p.meantLastPaidAt)}.`,
    'product.misselected': (p, f) =>
      `Bought ${p.mistakenItem ? f.text(p.mistakenItem) : 'an item'} (${f.money(p.mistakenAmount)}) in ${f.text(p.mistakenCategory)}, a category never bought before, then ${p.intendedItem ? f.text(p.intendedItem) : 'an item'} (${f.money(p.intendedAmount)}) ${f.duration(p.gapSeconds)} later in ${f.text(p.usualCategory)}, bought ${p.usualPurchases} ${p.usualPurchases === 1 ? 'time' : 'times'} before.`,
    'velocity.burst': (p, f) =>
      `${p.payments} payments within ${f.duration(p.spanSeconds)} (more than ${p.maxPayments} within ${f.duration(p.windowSeconds)}).`,
  },
  zh: {
    'duplicate.exact': (p, f) =>
      `订单 ${f.text(p.orderId)} 被支付了 ${p.payments} 次，共 ${f.money(p.paidTotal)}，而订单金额为 ${f.money(p.orderAmount)}。`,
    'duplicate.suspected': (p, f) =>
      `同一笔购买（${f.text(p.item)}，${f.money(p.amount)}${p.recipientAccount ? `，充值到 ${f.account(p.recipientAccount)}` : ''}）在两个订单中各付了一次，相隔 ${f.duration(p.gapSeconds)}。`,
    'amount.digit_slip': (p, f) =>
      `每件支付 ${f.money(p.paidPerUnit)}，是通常价格 ${f.money(p.usual)}（${digitSlipBasis.zh[p.basis]}）的 ${zhFactor(p.factor)}。`,
    'amount.outlier.payer': (p, f) =>
      `金额 ${f.money(p.amount)} 远高于该付款人通常的 ${f.money(p.usual)}（基于 ${p.payments} 笔支付，稳健 z 值 ${f.number(p.robustZ)}）。`,
    'amount.outlier.sku': (p, f) =>
      `单价 ${f.money(p.unitPrice)} 远高于此商品通常的 ${f.money(p.usual)}（基于 ${p.payments} 笔支付，稳健 z 值 ${f.number(p.robustZ)}）。`,
    'recipient.near_miss': (p, f) =>
      `付款到从未用过的账号 ${f.account(p.recipientAccount)}，与 ${f.time(p.meantLastPaidAt)} 付过款的账号 ${f.account(p.meantAccount)} 相比${accountEdit.zh[p.edit]}。`,
    'product.misselected': (p, f) =>
      `先在从未买过的类目「${f.text(p.mistakenCategory)}」购买了${p.mistakenItem ? `「${f.text(p.mistakenItem)}」` : '一件商品'}（${f.money(p.mistakenAmount)}），${f.duration(p.gapSeconds)}后又在此前买过 ${p.usualPurchases} 次的类目「${f.text(p.usualCategory)}」购买了${p.intendedItem ? `「${f.text(p.intendedItem)}」` : '一件商品'}（${f.money(p.intendedAmount)}）。`,
    'velocity.burst': (p, f) =>
      `${f.duration(p.spanSeconds)}内支付了 ${p.payments} 笔（${f.duration(p.windowSeconds)}内超过 ${p.maxPayments} 笔）。`,
  },
};
