// What Backstop tells the payer of a flagged charge on their status page and in the evidence
// file: what happened, in plain words, and what happens next. Account numbers are always
// masked here: the payer's page is reached by a link, not by a role.
import { cachedFormatter, formatMoney, languageOf, LOCALES, maskAccount } from './format.js';

const INVISIBLE = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const text = (value) => String(value).replace(INVISIBLE, '');

/** "26 Nov, 10:02" / "11月26日 10:02", in the tenant's time zone: a moment the payer remembers. */
export function formatPayerMoment(iso, lang = 'en', timeZone = 'Asia/Shanghai') {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const locale = LOCALES[languageOf(lang)];
  return cachedFormatter(`payer-moment|${locale}|${timeZone}`, () => new Intl.DateTimeFormat(locale, {
    month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false, timeZone,
  })).format(date);
}

const channels = {
  en: { alipay: 'Alipay account', wechat: 'WeChat Pay account', wechatpay: 'WeChat Pay account', card: 'bank card', unionpay: 'UnionPay card' },
  zh: { alipay: '支付宝账户', wechat: '微信支付账户', wechatpay: '微信支付账户', card: '银行卡', unionpay: '银联卡' },
};
const otherChannel = { en: 'original payment method', zh: '原支付账户' };

/** How long refunds of this kind usually take to arrive, by channel. */
const arrival = {
  en: { alipay: '1 business day', wechat: '1 business day', wechatpay: '1 business day', card: '3 to 7 business days', unionpay: '3 to 7 business days' },
  zh: { alipay: '1 个工作日', wechat: '1 个工作日', wechatpay: '1 个工作日', card: '3 至 7 个工作日', unionpay: '3 至 7 个工作日' },
};
const otherArrival = { en: '7 business days', zh: '7 个工作日' };

const channelKey = (channel) => String(channel ?? '').toLowerCase().replace(/[^a-z]/g, '');

const happened = {
  en: {
    duplicate: (c, f) => `You paid order ${f.text(c.orderId)} ${c.payments === 2 ? 'twice' : `${c.payments} times`} on ${f.moment(c.paidAt)} (${f.money(c.amount)} each).`,
    'amount.digit_slip': (c, f) => `On ${f.moment(c.paidAt)} you paid ${f.money(c.amount)} for order ${f.text(c.orderId)}${c.usual ? `, ${f.factor(c.factor)} the usual ${f.money(c.usual)}` : ''}: it looks like a digit was typed wrong.`,
    'amount.outlier': (c, f) => `On ${f.moment(c.paidAt)} you paid ${f.money(c.amount)} for order ${f.text(c.orderId)}, far more than you usually pay${c.usual ? ` (${f.money(c.usual)})` : ''}.`,
    'recipient.near_miss': (c, f) => `On ${f.moment(c.paidAt)} you paid ${f.money(c.amount)} to account ${f.account(c.recipientAccount)}, which differs by one character from ${f.account(c.meantAccount)}, the account you paid before.`,
    'product.misselected': (c, f) => `On ${f.moment(c.paidAt)} you paid ${f.money(c.amount)} for ${c.item ? f.text(c.item) : `order ${f.text(c.orderId)}`}, not what you usually buy.`,
    'velocity.burst': (c, f) => `On ${f.moment(c.paidAt)} you made ${c.payments} payments within a few moments; this one was ${f.money(c.amount)} for order ${f.text(c.orderId)}.`,
    other: (c, f) => `On ${f.moment(c.paidAt)} you paid ${f.money(c.amount)} for order ${f.text(c.orderId)}, and it looks like a mistake.`,
  },
  zh: {
    duplicate: (c, f) => `您在 ${f.moment(c.paidAt)} 为订单 ${f.text(c.orderId)} 支付了${c.payments === 2 ? '两' : ` ${c.payments} `}次（每次 ${f.money(c.amount)}）。`,
    'amount.digit_slip': (c, f) => `您在 ${f.moment(c.paidAt)} 为订单 ${f.text(c.orderId)} 支付了 ${f.money(c.amount)}${c.usual ? `，是通常金额 ${f.money(c.usual)} 的 ${f.factor(c.factor)}` : ''}，看起来是多输或少输了一位数字。`,
    'amount.outlier': (c, f) => `您在 ${f.moment(c.paidAt)} 为订单 ${f.text(c.orderId)} 支付了 ${f.money(c.amount)}，远高于您通常的金额${c.usual ? `（${f.money(c.usual)}）` : ''}。`,
    'recipient.near_miss': (c, f) => `您在 ${f.moment(c.paidAt)} 向账号 ${f.account(c.recipientAccount)} 支付了 ${f.money(c.amount)}，该账号与您之前付款的账号 ${f.account(c.meantAccount)} 只差一个字符。`,
    'product.misselected': (c, f) => `您在 ${f.moment(c.paidAt)} 为${c.item ? ` ${f.text(c.item)} ` : `订单 ${f.text(c.orderId)} `}支付了 ${f.money(c.amount)}，这不是您通常购买的商品。`,
    'velocity.burst': (c, f) => `您在 ${f.moment(c.paidAt)} 短时间内连续支付了 ${c.payments} 笔；这一笔是订单 ${f.text(c.orderId)} 的 ${f.money(c.amount)}。`,
    other: (c, f) => `您在 ${f.moment(c.paidAt)} 为订单 ${f.text(c.orderId)} 支付了 ${f.money(c.amount)}，这看起来是一笔误付。`,
  },
};

const charge = { en: (c) => (c.type.startsWith('duplicate') ? 'The second charge' : 'The charge'), zh: (c) => (c.type.startsWith('duplicate') ? '第二笔扣款' : '这笔扣款') };

/**
 * Why no refund reached the payer, by category, never in a reviewer's own words (their note may
 * name colleagues, other customers or the shop's rules) nor with the shop's settings in it.
 */
const declined = {
  en: {
    refunded_elsewhere: 'This payment had already been refunded another way, so it was not refunded a second time.',
    payer_said_intended: 'You told us you meant this payment, so the shop kept it. If that is not what you meant, please contact the shop.',
    judged_intended: 'The shop checked the payment and judged that you meant to make it, so it was not refunded. If you disagree, please contact the shop.',
    warned_before_paying: 'Before you paid, you were warned that this payment looked like a mistake and chose to pay anyway, so the shop kept it. If you disagree, please contact the shop.',
    goods_delivered: 'What you paid for had already been delivered and cannot be taken back, so the shop kept the payment. If you disagree, please contact the shop.',
    over_auto_limit: 'The amount is above what the shop refunds automatically, so a person checked it and decided not to refund it. If you disagree, please contact the shop.',
    shop_declined: 'The shop checked the payment and decided not to refund it. If you disagree, please contact the shop.',
    provider_refused: 'The payment provider refused the refund, so it could not be completed. The shop has been told and will contact you.',
  },
  zh: {
    refunded_elsewhere: '这笔付款已通过其他方式退款，因此不会再次退款。',
    payer_said_intended: '您告诉我们这笔付款是有意的，因此商家保留了这笔付款。如果这不是您的本意，请联系商家。',
    judged_intended: '商家核实后认为这笔付款是您有意支付的，因此未予退款。如有异议，请联系商家。',
    warned_before_paying: '您在付款前已收到这笔付款可能有误的提醒，仍确认支付，因此商家保留了这笔付款。如有异议，请联系商家。',
    goods_delivered: '您购买的商品或服务已经交付且无法收回，因此商家保留了这笔付款。如有异议，请联系商家。',
    over_auto_limit: '这笔金额超出了商家自动退款的范围，经人工核实后决定不予退款。如有异议，请联系商家。',
    shop_declined: '商家核实后决定不予退款。如有异议，请联系商家。',
    provider_refused: '支付机构拒绝了这笔退款，退款未能完成。商家已收到通知，会与您联系。',
  },
};
/** The categories, as `payerCase.declined` names them. */
export const payerDeclines = Object.keys(declined.en);

const next = {
  en: {
    pending_review: () => 'The shop is checking it now. If you tell us below whether it was a mistake, that helps them decide.',
    refunding: (c, f) => `${charge.en(c)}, ${f.money(c.refund)}, is being refunded to your ${f.channel(c.channel)}; refunds of this kind usually arrive within ${f.arrival(c.channel)}.`,
    succeeded: (c, f) => `${f.money(c.confirmed ?? c.refund)} was refunded to your ${f.channel(c.channel)}${c.confirmedAt ? ` on ${f.moment(c.confirmedAt)}` : ''}.`,
    failed: (c) => declined.en[c.declined ?? 'provider_refused'],
    rejected: (c) => declined.en[c.declined ?? 'shop_declined'],
  },
  zh: {
    pending_review: () => '商家正在核实。如果您在下方告诉我们这是否是误付，可以帮助商家做出判断。',
    refunding: (c, f) => `${charge.zh(c)} ${f.money(c.refund)} 正在退回您的${f.channel(c.channel)}，此类退款通常在 ${f.arrival(c.channel)}内到账。`,
    succeeded: (c, f) => `${f.money(c.confirmed ?? c.refund)} 已退回您的${f.channel(c.channel)}${c.confirmedAt ? `（${f.moment(c.confirmedAt)}）` : ''}。`,
    failed: (c) => declined.zh[c.declined ?? 'provider_refused'],
    rejected: (c) => declined.zh[c.declined ?? 'shop_declined'],
  },
};

const stageOf = (status) => (['approved', 'sent'].includes(status) ? 'refunding' : status);

/**
 * `payerCase`: { type, orderId, paidAt, amount, payments, status, refund, channel, and by type
 * usual, factor, recipientAccount, meantAccount, item, confirmed, confirmedAt, declined } with
 * money as { amount, currency }. Returns { happened, next } in the reader's language.
 */
export function renderPayerSummary(payerCase, { lang = 'en', timeZone = 'Asia/Shanghai' } = {}) {
  const language = languageOf(lang);
  const f = {
    money: (money) => formatMoney(money.amount, money.currency, language),
    moment: (iso) => formatPayerMoment(iso, language, timeZone),
    account: (account) => maskAccount(text(account)),
    text,
    factor: (factor) => (language === 'zh' ? `${Math.round(factor)} 倍` : `${Math.round(factor)}×`),
    channel: (channel) => channels[language][channelKey(channel)] ?? otherChannel[language],
    arrival: (channel) => arrival[language][channelKey(channel)] ?? otherArrival[language],
  };
  // A duplicate whose other payment the evidence lacks is told as one payment.
  const kind = payerCase.type.startsWith('duplicate') ? (payerCase.payments >= 2 ? 'duplicate' : 'other') : payerCase.type;
  const told = (happened[language][kind] ?? happened[language].other)(payerCase, f);
  const then = next[language][stageOf(payerCase.status)];
  return { happened: told, next: then ? then(payerCase, f) : '' };
}
