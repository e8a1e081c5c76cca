import type { FlagType, OrderDelivered, PaymentData, PaymentSucceeded, WebhookEvent } from '@backstop/contracts';
import type { Random } from '../random';
import type { ShopItem } from '../shop/catalogue';

export type HardNegative =
  | 'repeat-minutes-apart'
  | 'gift-to-another-account'
  | 'legitimately-large'
  | 'new-payer-expensive-first'
  | 'genuinely-new-recipient'
  | 'webhook-retry'
  | 'bulk-purchase'
  | 'new-category-kept'
  | 'split-payment'
  | 'new-category-then-usual-for-another-account'
  | 'new-category-then-usual-for-themselves'
  | 'new-category-kept-delivered';

/**
 * Which family of planted wrong-shelf purchases (and their look-alikes) a payer belongs to:
 * `classic` are the long-standing regular buyers, `widened` the newcomers to a shop with one
 * to a few usual purchases, other price ratios, deliveries and deliberate new purchases.
 */
export type Cohort = 'misselected-classic' | 'misselected-widened';

export interface LabelledEvent {
  event: WebhookEvent;
  /** The flags this payment should get (empty for a legitimate one). */
  expected: FlagType[];
  hardNegative?: HardNegative;
  cohort?: Cohort;
}

export const minute = 60_000;
export const hour = 60 * minute;
export const day = 24 * hour;

/** One payer's events, made in event-time order from a cursor. */
export class PayerTimeline {
  readonly events: LabelledEvent[] = [];
  cursorMs: number;
  cohort: Cohort | undefined;

  constructor(
    readonly random: Random,
    readonly payerId: string,
    startMs: number,
  ) {
    this.cursorMs = startMs;
  }

  /** Puts the payer, and every event made so far and from now on, in a cohort. */
  join(cohort: Cohort): void {
    this.cohort = cohort;
    for (const labelled of this.events) labelled.cohort = cohort;
  }

  /** Moves event time on by at least `minMs`, up to `maxMs`. */
  advance(minMs: number, maxMs: number): number {
    this.cursorMs += Math.round(this.random.between(minMs, maxMs));
    return this.cursorMs;
  }

  private push(event: WebhookEvent, expected: FlagType[], hardNegative?: HardNegative): void {
    this.events.push({ event, expected, ...(hardNegative ? { hardNegative } : {}), ...(this.cohort ? { cohort: this.cohort } : {}) });
  }

  pay(atMs: number, data: Partial<PaymentData> & Pick<PaymentData, 'kind' | 'amount'>, expected: FlagType[] = [], hardNegative?: HardNegative): PaymentSucceeded {
    const event: PaymentSucceeded = {
      id: this.random.id('evt'),
      type: 'payment.succeeded',
      occurredAt: new Date(atMs).toISOString(),
      data: {
        paymentId: this.random.id('pay'),
        orderId: this.random.id('ord'),
        payerId: this.payerId,
        merchantId: 'm_cards',
        quantity: 1,
        currency: 'CNY',
        channel: this.random.pick(['alipay', 'wechat', 'card']),
        ...data,
      },
    };
    this.push(event, expected, hardNegative);
    return event;
  }

  buy(atMs: number, item: ShopItem, account: string, extra: Partial<PaymentData> = {}, expected: FlagType[] = [], hardNegative?: HardNegative): PaymentSucceeded {
    const quantity = extra.quantity ?? 1;
    return this.pay(
      atMs,
      { kind: 'purchase', sku: item.sku, category: item.category, merchantId: item.merchantId, unitPrice: item.unitPrice, quantity, amount: item.unitPrice * quantity, recipientAccount: account, recipientVerified: true, ...extra },
      expected,
      hardNegative,
    );
  }

  /** The platform reports the goods of `purchase` delivered at `atMs`. */
  deliver(atMs: number, purchase: PaymentSucceeded): OrderDelivered {
    const event: OrderDelivered = {
      id: this.random.id('evt'),
      type: 'order.delivered',
      occurredAt: new Date(atMs).toISOString(),
      data: { orderId: purchase.data.orderId, payerId: this.payerId, paymentId: purchase.data.paymentId },
    };
    this.push(event, []);
    return event;
  }
}
