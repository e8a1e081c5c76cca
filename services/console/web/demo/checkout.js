// The checkout demo: a person picks a card, an amount and an account and presses Pay. The page
// asks the console's demo proxy for a pre-payment check first; a `confirm` shows the reasons
// in the chosen language, and only "Pay anyway" sends the payment. The proxy signs on the
// server: no secret ever reaches this page.
import { currencyExponent, formatMoney } from '/lib/messages/index.js';

const CURRENCY = 'CNY';
const CARDS = [
  { sku: '腾讯Q币-30', category: '游戏点卡', price: 3000, name: { en: 'Tencent Q-coins 30', zh: '腾讯Q币 30' } },
  { sku: 'genshin-welkin-30d', category: '游戏点卡', price: 3000, name: { en: 'Genshin Welkin Moon, 30 days', zh: '原神 空月祝福 30 天' } },
  { sku: 'steam-wallet-100', category: '钱包充值卡', price: 10000, name: { en: 'Steam Wallet 100', zh: 'Steam 钱包 100' } },
  { sku: '皮肤-赤焰', category: '皮肤', price: 3200, name: { en: 'Skin: Crimson Flame', zh: '皮肤：赤焰' } },
];
const TEXT = {
  en: {
    title: 'Card shop checkout', tagline: "a demo of Backstop's pre-payment check", card: 'Card', amount: 'Amount', account: 'Game account',
    payer: 'Paying as', order: 'Order', newOrder: 'New order', pay: 'Pay', history: 'What happened', confirmTitle: 'Please confirm this payment',
    cancel: 'Cancel', payAnyway: 'Pay anyway',
    paid: (money, id) => `Paid ${money}: the payment webhook was accepted (${id}).`, cancelled: 'Cancelled: nothing was sent.',
    failed: (why) => `Something went wrong: ${why}`, degraded: '(the check could not answer in time; paid without it)',
  },
  zh: {
    title: '点卡商城结账', tagline: 'Backstop 支付前检查演示', card: '点卡', amount: '金额', account: '游戏账号',
    payer: '付款人', order: '订单', newOrder: '新订单', pay: '支付', history: '操作记录', confirmTitle: '请确认这笔支付',
    cancel: '取消', payAnyway: '仍然支付',
    paid: (money, id) => `已支付 ${money}：支付回调已被接收（${id}）。`, cancelled: '已取消：未发送任何请求。',
    failed: (why) => `出错了：${why}`, degraded: '（检查未能及时回答，已直接支付）',
  },
};

const $ = (selector) => document.querySelector(selector);
const language = () => $('#language').value;
const text = () => TEXT[language()];
const newId = (prefix) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

/** "30.5" → 3050 for CNY: the typed decimal read exactly, digit by digit, by the currency's exponent. */
function minorUnits(typed) {
  const exponent = currencyExponent(CURRENCY);
  const match = /^\s*(\d+)(?:\.(\d*))?\s*$/.exec(typed);
  if (!match || (match[2] ?? '').length > exponent) return undefined;
  return Number(match[1] + (match[2] ?? '').padEnd(exponent, '0'));
}
const decimal = (minor) => {
  const exponent = currencyExponent(CURRENCY);
  const digits = String(minor).padStart(exponent + 1, '0');
  return exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
};

function render() {
  document.documentElement.lang = language() === 'zh' ? 'zh-CN' : 'en';
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = text()[element.dataset.i18n];
  const selected = $('#card').selectedIndex;
  $('#card').replaceChildren(...CARDS.map((card, index) => {
    const option = document.createElement('option');
    option.value = String(index);
    option.textContent = `${card.name[language()]} · ${formatMoney(card.price, CURRENCY, language())}`;
    return option;
  }));
  $('#card').selectedIndex = Math.max(0, selected);
}

function purchase() {
  const card = CARDS[Number($('#card').value)];
  const amount = minorUnits($('#amount').value);
  if (amount === undefined || amount <= 0) throw new Error(`${$('#amount').value}?`);
  return {
    payerId: $('#payer').value.trim(), orderId: $('#order').value, sku: card.sku, category: card.category, unitPrice: card.price,
    amount, currency: CURRENCY, recipientAccount: $('#account').value.trim(),
  };
}

async function post(url, body) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.title ?? response.status);
  return answer;
}

function log(kind, message, paymentId) {
  const item = document.createElement('li');
  item.className = kind;
  if (paymentId) item.dataset.paymentId = paymentId;
  item.textContent = message;
  $('#log').append(item);
}

async function send(bought, intentId, note = '') {
  const answer = await post('/demo/checkout/pay', intentId ? { ...bought, intentId } : bought);
  log('paid', `${text().paid(formatMoney(bought.amount, CURRENCY, language()), answer.paymentId)} ${note}`.trim(), answer.paymentId);
}

let pending;

async function pay(event) {
  event.preventDefault();
  try {
    const bought = purchase();
    const answer = await post('/demo/checkout/check', bought);
    if (answer.verdict !== 'confirm') return await send(bought, undefined, answer.degraded ? text().degraded : '');
    pending = { bought, answer };
    $('#reasons').replaceChildren(...answer.reasons.map((reason) => {
      const item = document.createElement('li');
      item.dataset.code = reason.code;
      item.textContent = reason.message[language()];
      return item;
    }));
    $('#confirm').showModal();
  } catch (error) {
    log('failed', text().failed(error.message));
  }
}

$('#confirm-pay').addEventListener('click', async () => {
  $('#confirm').close();
  const { bought, answer } = pending;
  pending = undefined;
  try {
    await send(bought, answer.intentId);
  } catch (error) {
    log('failed', text().failed(error.message));
  }
});
$('#confirm-cancel').addEventListener('click', () => {
  $('#confirm').close();
  pending = undefined;
  log('cancelled', text().cancelled);
});
$('#card').addEventListener('change', () => { $('#amount').value = decimal(CARDS[Number($('#card').value)].price); });
$('#new-order').addEventListener('click', () => { $('#order').value = newId('ord'); });
$('#language').addEventListener('change', render);
$('#checkout').addEventListener('submit', pay);

$('#payer').value = newId('demo-user');
$('#order').value = newId('ord');
render();
$('#amount').value = decimal(CARDS[0].price);
