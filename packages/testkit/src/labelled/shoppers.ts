import type { PaymentSucceeded } from '@backstop/contracts';
import { NEWCOMER_SHOPS, type ShopItem } from '../shop/catalogue';
import { hour, minute, type PayerTimeline } from './timeline';

/**
 * Newcomers to a shop: payers with one, two or a few purchases on their usual shelf, then
 * either a wrong-shelf purchase followed minutes later by the item they meant, or one of the
 * purchases that look like it but were meant: something new (often a gift for another
 * account) followed by the usual item, or something new that is kept.
 *
 * Neighbouring shelves rarely hold an item of the same price, so a mistaken item's price is
 * anywhere from half to twice the intended one; a deliberate purchase's price has nothing to
 * do with the usual item's.
 */

/** Prices a deliberate new purchase has next to the usual item: from far cheaper to far dearer. */
const deliberateRatios = [0.5, 0.8, 1, 1.2, 1.5, 2, 3, 5];

const itemOf = (merchantId: string, category: string, unitPrice: number): ShopItem => ({ sku: `${category}-${unitPrice}`, category, kind: 'purchase', unitPrice, merchantId });

/** An item on another shelf of the same shop at `ratio` times the usual item's price. */
function otherShelf(t: PayerTimeline, usual: ShopItem, ratio: number): ShopItem {
  const shop = NEWCOMER_SHOPS.find((s) => s.merchantId === usual.merchantId)!;
  const category = t.random.pick(Object.keys(shop.shelves).filter((c) => c !== usual.category));
  return itemOf(usual.merchantId, category, Math.max(100, Math.round((usual.unitPrice * ratio) / 100) * 100));
}

/** A log-uniform draw: gaps and ratios spread evenly over orders of magnitude. */
const logUniform = (t: PayerTimeline, min: number, max: number) => Math.exp(t.random.between(Math.log(min), Math.log(max)));

/** Reports the purchase's goods delivered `afterMs` later, with the given probability. */
function maybeDeliver(t: PayerTimeline, purchase: PaymentSucceeded, probability: number, afterMs: number): void {
  if (t.random.chance(probability)) t.deliver(Date.parse(purchase.occurredAt) + Math.round(afterMs), purchase);
}

export function newcomerShopper(t: PayerTimeline): void {
  const { random } = t;
  t.join('misselected-widened');
  const shop = random.pick(NEWCOMER_SHOPS);
  const category = random.pick(Object.keys(shop.shelves));
  const usual = itemOf(shop.merchantId, category, random.pick(shop.shelves[category]!));
  const account = `5${random.digits(9)}`;
  const usualPurchases = random.pick([1, 2, random.int(3, 8)]);
  for (let i = 0; i < usualPurchases; i += 1) {
    const purchase = t.buy(t.advance(1 * hour, 40 * hour), usual, account);
    maybeDeliver(t, purchase, 0.8, random.between(5_000, 120_000));
  }
  const at = t.advance(2 * hour, 6 * hour);

  const scenario = random.next();
  if (scenario < 0.45) {
    // The wrong shelf, then the item meant, for the same account; the wrong item may have
    // been delivered before the payer noticed.
    const gapMs = random.between(20_000, 9 * minute);
    const mistake = t.buy(at, otherShelf(t, usual, logUniform(t, 0.5, 2)), account, {}, ['product.misselected']);
    maybeDeliver(t, mistake, 0.5, random.between(5_000, 1.5 * gapMs));
    t.buy(at + Math.round(gapMs), usual, account);
  } else if (scenario < 0.75) {
    // Something new on purpose, mostly a gift for someone else's account, then the usual item.
    const forAnother = random.chance(0.7);
    const kind = forAnother ? 'new-category-then-usual-for-another-account' : 'new-category-then-usual-for-themselves';
    const deliberate = t.buy(at, otherShelf(t, usual, random.pick(deliberateRatios)), forAnother ? `5${random.digits(9)}` : account, {}, [], kind);
    maybeDeliver(t, deliberate, 0.9, random.between(5_000, 120_000));
    t.buy(at + Math.round(logUniform(t, 1 * minute, 4 * hour)), usual, account);
  } else if (scenario < 0.9) {
    const kept = t.buy(at, otherShelf(t, usual, random.pick(deliberateRatios)), account, {}, [], 'new-category-kept-delivered');
    maybeDeliver(t, kept, 0.95, random.between(5_000, 120_000));
  } else {
    t.buy(at, usual, account);
  }
}
