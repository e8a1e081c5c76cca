// What the confirmation dialog of a pre-payment check says, in each language the product
// speaks. Written to the user about to pay ("you"), unlike the flags, which speak to ops.

/** 8 → "8 seconds", 720 → "12 minutes": a dialog reads as a sentence, not as a table. */
function enAgo(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const unit = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (s < 120) return unit(s, 'second');
  if (s < 2 * 3600) return unit(Math.round(s / 60), 'minute');
  if (s < 2 * 86_400) return unit(Math.round(s / 3600), 'hour');
  return unit(Math.round(s / 86_400), 'day');
}

const enFactor = (factor) => (factor >= 1 ? `${Math.round(factor)} times` : `1/${Math.round(1 / factor)} of`);
const zhFactor = (factor) => (factor >= 1 ? `${Math.round(factor)} 倍` : `${Math.round(1 / factor)} 分之一`);

export const checkMessages = {
  en: {
    'check.duplicate.recent_same_order': (p, f) => `You paid ${f.money(p.paid)} for this order ${enAgo(p.secondsAgo)} ago. Pay again?`,
    'check.duplicate.recent_same_purchase': (p, f) =>
      `You bought ${f.text(p.item)} for ${f.money(p.amount)} ${enAgo(p.secondsAgo)} ago in another order. Buy it again?`,
    'check.amount.digit_slip': (p, f) =>
      `${f.money(p.amount)} is ${enFactor(p.factor)} the ${f.money(p.usual)} you usually pay for this. Is the amount right?`,
    'check.amount.unusual': (p, f) => `${f.money(p.amount)} is far more than the ${f.money(p.usual)} you usually pay. Continue?`,
    'check.recipient.near_known': (p, f) =>
      `You have never paid ${f.account(p.recipientAccount)}; it is one character off ${f.account(p.knownAccount)}, which you paid before. Is the account right?`,
    'check.recipient.unverified_new': (p, f) => `You have never paid ${f.account(p.recipientAccount)}, and its owner is not identity-verified. Continue?`,
    'check.product.unusual_category': (p, f) =>
      `You have never bought from ${f.text(p.category)}; you usually buy ${f.text(p.usualCategory)}. Is this the product you meant?`,
  },
  zh: {
    'check.duplicate.recent_same_order': (p, f) => `你 ${f.duration(p.secondsAgo)}前已为该订单支付 ${f.money(p.paid)}，确定再次支付？`,
    'check.duplicate.recent_same_purchase': (p, f) =>
      `你 ${f.duration(p.secondsAgo)}前已在另一订单中以 ${f.money(p.amount)} 购买「${f.text(p.item)}」，确定再买一次？`,
    'check.amount.digit_slip': (p, f) => `${f.money(p.amount)} 是你通常支付的 ${f.money(p.usual)} 的 ${zhFactor(p.factor)}，金额确定无误？`,
    'check.amount.unusual': (p, f) => `${f.money(p.amount)} 远高于你通常支付的 ${f.money(p.usual)}，确定继续？`,
    'check.recipient.near_known': (p, f) =>
      `你从未向 ${f.account(p.recipientAccount)} 付过款，它与你付过款的 ${f.account(p.knownAccount)} 只差一个字符，账号确定无误？`,
    'check.recipient.unverified_new': (p, f) => `你从未向 ${f.account(p.recipientAccount)} 付过款，且该账号未实名认证，确定继续？`,
    'check.product.unusual_category': (p, f) =>
      `你从未购买过「${f.text(p.category)}」类商品，通常购买的是「${f.text(p.usualCategory)}」，确定是这件商品？`,
  },
};
