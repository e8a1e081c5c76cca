import type { FlagType } from '@backstop/contracts';
import { Random } from '../random';
import { newcomerShopper } from './shoppers';
import { mistype } from '../shop/account-typos';
import { CARD_SHOP, LOOKALIKE } from '../shop/catalogue';
import { day, hour, minute, PayerTimeline, type HardNegative, type LabelledEvent } from './timeline';

export type { Cohort, HardNegative, LabelledEvent } from './timeline';

/**
 * Labelled traffic for the detector benchmark: many payers with realistic habits, each
 * kind of mistake mixed in, and the hard negatives that look like mistakes but are not.
 * Labels come from how an event was made (this one was made by adding a digit), never from
 * what the detector says.
 */

export interface LabelledTrafficOptions {
  seed: number;
  payers: number;
  /** Event time of the first payment (ms); history spans about two weeks from there. */
  startMs: number;
  /**
   * Newcomers to a shop (wrong-shelf purchases and deliberate new purchases), added after the
   * other payers from a stream of their own, so the other payers' traffic is the same with or
   * without them. Default: a quarter of `payers`.
   */
  newcomers?: number;
}

function regularBuyer(t: PayerTimeline): void {
  const { random } = t;
  const favourite = random.pick([CARD_SHOP.welkin, CARD_SHOP.pass, CARD_SHOP.pack328]);
  const account = `8${random.digits(9)}`;
  const purchases = random.int(6, 18);
  // Habits are not absolute: now and then another card of the same game.
  const everyday = [CARD_SHOP.welkin, CARD_SHOP.pass, CARD_SHOP.pack328];
  for (let i = 0; i < purchases; i += 1) t.buy(t.advance(20 * minute, 20 * hour), random.chance(0.8) ? favourite : random.pick(everyday), account);
  t.advance(2 * hour, 6 * hour);

  const at = t.cursorMs;
  const scenario = random.next();
  if (scenario < 0.08) {
    const first = t.buy(at, favourite, account);
    t.buy(at + random.int(2_000, 30_000), favourite, account, { orderId: first.data.orderId }, ['duplicate.exact']);
  } else if (scenario < 0.16) {
    t.buy(at, favourite, account);
    t.buy(at + random.int(1_000, 90_000), favourite, account, {}, ['duplicate.suspected']);
  } else if (scenario < 0.22) {
    t.join('misselected-classic');
    t.buy(at, LOOKALIKE[favourite.sku]!, account, {}, ['product.misselected']);
    t.buy(at + random.int(30_000, 8 * minute), favourite, account);
  } else if (scenario < 0.28) {
    t.buy(at, favourite, account, { amount: favourite.unitPrice * 10 }, ['amount.digit_slip']);
  } else if (scenario < 0.33) {
    let burstMs = at;
    for (let q = 1; q <= 6; q += 1) {
      t.buy(burstMs, favourite, account, { quantity: q }, q === 6 ? ['velocity.burst'] : []);
      burstMs += random.int(3_000, 8_000);
    }
  } else if (scenario < 0.41) {
    t.buy(at, favourite, account);
    t.buy(at + random.int(4 * minute, 40 * minute), favourite, account, {}, [], 'repeat-minutes-apart');
  } else if (scenario < 0.49) {
    t.buy(at, favourite, account);
    t.buy(at + random.int(5_000, 60_000), favourite, `8${random.digits(9)}`, {}, [], 'gift-to-another-account');
  } else if (scenario < 0.56) {
    t.buy(at, CARD_SHOP.pack648, account, {}, [], 'legitimately-large');
  } else if (scenario < 0.63) {
    t.buy(at, favourite, account, { quantity: 10 }, [], 'bulk-purchase');
  } else if (scenario < 0.69) {
    t.join('misselected-classic');
    t.buy(at, LOOKALIKE[favourite.sku]!, account, {}, [], 'new-category-kept');
  } else if (scenario < 0.75) {
    const orderId = random.id('ord');
    const parts = { orderId, quantity: 2, amount: favourite.unitPrice, orderAmount: favourite.unitPrice * 2 };
    t.buy(at, favourite, account, parts, [], 'split-payment');
    t.buy(at + random.int(5_000, 60_000), favourite, account, parts, [], 'split-payment');
  } else if (scenario < 0.82) {
    const retried = t.buy(at, favourite, account, {}, [], 'webhook-retry');
    t.events.push({ event: retried, expected: [], hardNegative: 'webhook-retry' });
  } else {
    t.buy(at, favourite, account);
  }
}

function topUpUser(t: PayerTimeline): void {
  const { random } = t;
  const usual = random.pick([5000, 10000, 20000]);
  const account = `7${random.digits(9)}`;
  const topup = (atMs: number, amount: number, expected: FlagType[] = [], hardNegative?: HardNegative) =>
    t.pay(atMs, { kind: 'topup', sku: 'wallet-topup', category: 'wallet', unitPrice: amount, amount, recipientAccount: account, recipientVerified: true }, expected, hardNegative);
  const count = random.int(6, 14);
  // Mostly the usual amount or twice it; once in a while a deliberately big top-up.
  for (let i = 0; i < count; i += 1) topup(t.advance(2 * hour, 30 * hour), random.chance(0.05) ? usual * 5 : random.chance(0.7) ? usual : usual * 2);
  const at = t.advance(2 * hour, 6 * hour);
  const scenario = random.next();
  if (scenario < 0.2) topup(at, usual * 10, ['amount.digit_slip']);
  else if (scenario < 0.25) topup(at, usual / 10, ['amount.digit_slip']);
  else if (scenario < 0.35) {
    const retried = topup(at, usual, [], 'webhook-retry');
    t.events.push({ event: retried, expected: [], hardNegative: 'webhook-retry' });
  } else topup(at, usual);
}

function transferrer(t: PayerTimeline): void {
  const { random } = t;
  const accounts = Array.from({ length: random.int(1, 3) }, () => `62${random.digits(10)}`);
  const used: string[] = [];
  const habit = random.int(30, 500) * 100;
  const amount = () => Math.round((habit * random.between(0.8, 1.25)) / 100) * 100;
  const send = (atMs: number, account: string, value: number, verified: boolean, expected: FlagType[] = [], hardNegative?: HardNegative) =>
    t.pay(atMs, { kind: 'transfer', amount: value, recipientAccount: account, recipientVerified: verified, merchantId: 'm_wallet' }, expected, hardNegative);
  const count = random.int(7, 14);
  // Some transfers go to someone new: the set of known recipients keeps growing.
  for (let i = 0; i < count; i += 1) {
    const recipient = random.chance(0.1) ? `62${random.digits(10)}` : random.pick(accounts);
    if (!accounts.includes(recipient)) accounts.push(recipient);
    if (!used.includes(recipient)) used.push(recipient);
    send(t.advance(3 * hour, 30 * hour), recipient, amount(), true);
  }
  const at = t.advance(2 * hour, 6 * hour);
  const scenario = random.next();
  if (scenario < 0.25) send(at, mistype(random, random.pick(used)), amount(), random.chance(0.5), ['recipient.near_miss']);
  else if (scenario < 0.45) send(at, random.pick(used), Math.round((habit * random.between(5, 7.5)) / 100) * 100, true, ['amount.outlier']);
  else if (scenario < 0.7) send(at, `62${random.digits(10)}`, amount(), random.chance(0.5), [], 'genuinely-new-recipient');
  else send(at, random.pick(used), amount(), true);
}

function whale(t: PayerTimeline): void {
  const { random } = t;
  const account = `9${random.digits(9)}`;
  const count = random.int(8, 20);
  for (let i = 0; i < count; i += 1) t.buy(t.advance(1 * hour, 20 * hour), CARD_SHOP.pack648, account, { quantity: random.int(1, 3) });
  const at = t.advance(2 * hour, 6 * hour);
  if (random.chance(0.4)) t.buy(at, CARD_SHOP.pack648, account, { quantity: 10 }, [], 'bulk-purchase');
}

function newPayer(t: PayerTimeline): void {
  const { random } = t;
  const at = t.advance(10 * day, 13 * day);
  if (random.chance(0.6)) t.buy(at, CARD_SHOP.pack648, `8${random.digits(9)}`, {}, [], 'new-payer-expensive-first');
  else t.buy(at, random.pick([CARD_SHOP.welkin, CARD_SHOP.pass]), `8${random.digits(9)}`);
}

/** Every payer's events, merged in event-time order (a webhook retry right after its original). */
export function generateTraffic(options: LabelledTrafficOptions): LabelledEvent[] {
  const random = new Random(options.seed);
  const all: LabelledEvent[] = [];
  for (let i = 0; i < options.payers; i += 1) {
    const timeline = new PayerTimeline(random, `u_${i.toString(36)}_${random.digits(4)}`, options.startMs + random.int(0, 2 * day));
    const kind = random.next();
    if (kind < 0.5) regularBuyer(timeline);
    else if (kind < 0.7) topUpUser(timeline);
    else if (kind < 0.88) transferrer(timeline);
    else if (kind < 0.94) whale(timeline);
    else newPayer(timeline);
    all.push(...timeline.events);
  }
  const newcomers = options.newcomers ?? Math.round(options.payers / 4);
  const own = new Random(options.seed ^ 0x6e6577);
  for (let i = 0; i < newcomers; i += 1) {
    const timeline = new PayerTimeline(own, `n_${i.toString(36)}_${own.digits(4)}`, options.startMs + own.int(0, 2 * day));
    newcomerShopper(timeline);
    all.push(...timeline.events);
  }
  return all
    .map((labelled, index) => ({ labelled, index }))
    .sort((a, b) => Date.parse(a.labelled.event.occurredAt) - Date.parse(b.labelled.event.occurredAt) || a.index - b.index)
    .map(({ labelled }) => labelled);
}
