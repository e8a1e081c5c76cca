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

const next = {
  en: {
    pending_review: () => 'The shop is checking it now. If you tell us below whether it was a mistake, that helps them decide.',
    refunding: (c, f) => `${charge.en(c)}, ${f.money(c.refund)}, is being refunded to your ${f.channel(c.channel)}; refunds of this kind usually arrive within ${f.arrival(c.channel)}.`,
    succeeded: (c, f) => `${f.money(c.confirmed ?? c.refund)} was refunded to your ${f.channel(c.channel)}${c.confirmedAt ? ` on ${f.moment(c.confirmedAt)}` : ''}.`,
    failed: () => 'The refund could not be completed by the payment provider. The shop has been told and will contact you.',
    rejected: () => 'The shop checked the payment and kept it: it did not look like a mistake. If you disagree, please contact the shop.',
  },
  zh: {
    pending_review: () => '商家正在核实。如果您在下方告诉我们这是否是误付，可以帮助商家做出判断。',
    refunding: (c, f) => `${charge.zh(c)} ${f.money(c.refund)} 正在退回您的${f.channel(c.channel)}，此类退款通常在 ${f.arrival(c.channel)}内到账。`,
    succeeded: (c, f) => `${f.money(c.confirmed ?? c.refund)} 已退回您的${f.channel(c.channel)}${c.confirmedAt ? `（${f.moment(c.confirmedAt)}）` : ''}。`,
    failed: () => '支付机构未能完成这笔退款。商家已收到通知，会与您联系。',
    rejected: () => '商家核实后保留了这笔付款：它看起来不是误付。如有异议，请联系商家。',
  },
};

const stageOf = (status) => (['approved', 'sent'].includes(status) ? 'refunding' : status);

/**
 * `payerCase`: { type, orderId, paidAt, amount, payments, status, refund, channel, and by type
 * usual, factor, recipientAccount, meantAccount, item, confirmed, confirmedAt } with money as
 * { amount, currency }. Returns { happened, next } in the reader's language.
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
