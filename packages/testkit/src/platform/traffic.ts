import type { FlagType, PaymentSucceeded, WebhookEvent } from '@backstop/contracts';
import { freshSeed, Random } from '../random';
import { mistypeUnpaid } from '../shop/account-typos';
import { CATALOGUES, type CatalogueLanguage, type Product } from '../shop/catalogue';

/** The kinds of mistake a card platform's traffic carries, as Backstop should catch them. */
export const MISTAKES = ['duplicate', 'amount', 'recipient', 'product'] as const;
export type Mistake = (typeof MISTAKES)[number];
export type SentKind = 'payment' | Mistake | 'delivered' | 'retry';

export interface TrafficMix {
  /** Share of payments that carry each mistake, e.g. { duplicate: 0.02 }. */
  mistakes: Partial<Record<Mistake, number>>;
  /** Share of purchases followed by an order.delivered event. */
  delivered: number;
  /** Share of events delivered a second time, as platforms do when an answer is lost. */
  retry: number;
}

export const DEFAULT_MIX: TrafficMix = { mistakes: { duplicate: 0.02, amount: 0.01, recipient: 0.01, product: 0.01 }, delivered: 0.5, retry: 0.01 };

/** Purchases of a category before a payer counts it as their usual one (the detector's default). */
const USUAL_PURCHASES = 3;
/** A card in another category a buyer picks by mistake: about the same price, so the slip goes unnoticed at checkout. */
const twinOf = (catalogue: readonly Product[], product: Product, avoid: ReadonlySet<string>) =>
  catalogue.find((other) => other.kind === 'purchase' && other.category !== product.category && !avoid.has(other.category) && Math.max(other.unitPrice, product.unitPrice) <= 1.2 * Math.min(other.unitPrice, product.unitPrice));
const CHANNELS = ['alipay', 'wechatpay', 'unionpay'];

/** A buyer with habits: cards from one category for their own account, and phone top-ups. */
interface Payer {
  payerId: string;
  account: string;
  usual: string;
  categories: Map<string, number>;
  /** Every account the payer's payments went to, mistakes included. */
  paidAccounts: Set<string>;
}
const purchaseCategories = (catalogue: readonly Product[]) => [...new Set(catalogue.filter((product) => product.kind === 'purchase').map((product) => product.category))];

/** Chinese user names as some platforms use them for payer ids; the suffix keeps them unique. */
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴'];
const GIVEN_NAMES = ['小明', '丽娜', '建国', '芳', '伟', '静', '磊', '婷', '子轩', '雨桐'];
/**
 * Every third payer is known by a Chinese user name, the others by an opaque id. Both end in
 * random hex: two runs into one stack must not share a payer, whose history from the first
 * run would make the second run's planted mistakes look like habits.
 */
const payerIdOf = (random: Random, index: number) =>
  index % 3 === 0 ? `${random.pick(SURNAMES)}${random.pick(GIVEN_NAMES)}_${index.toString(36)}${random.hex(4)}` : `u_${index.toString(36)}_${random.hex(4)}`;

export interface TrafficOptions {
  mix?: TrafficMix;
  /** How many payers share the traffic; grow it with the rate to keep a realistic flag rate. */
  payers?: number;
  merchantId?: string;
  catalogue?: CatalogueLanguage;
  /** The same seed gives the same events in the same order (times aside); a fresh one by default. */
  seed?: number;
  /** Where event time comes from: the wall clock, or a clock of the caller's (a pre-filled topic spread over hours). */
  clock?: () => number;
}

/** What a generator made internally: the event and how it was made. */
interface Made {
  kind: SentKind;
  event: WebhookEvent;
}

export interface Generated extends Made {
  /**
   * The flags the event should raise, as the evaluation's labelled traffic names them: the one
   * that names its planted mistake, none for anything else. (A mistake can draw another flag
   * beside it: a mistyped account paid the amount of a recent payment may also look like a
   * suspected duplicate of it.)
   */
  expected: FlagType[];
}

/** The flag each way of making an event plants: a duplicate repeats an order, so it is an exact one. */
const PLANTED_FLAGS: Record<SentKind, FlagType[]> = {
  payment: [],
  delivered: [],
  retry: [],
  duplicate: ['duplicate.exact'],
  amount: ['amount.digit_slip'],
  recipient: ['recipient.near_miss'],
  product: ['product.misselected'],
};

const labelled = (made: Made): Generated => ({ ...made, expected: PLANTED_FLAGS[made.kind] });

/**
 * Realistic traffic for one platform: a population of payers who buy cards for their own
 * accounts, with the configured share of each mistake mixed in. Keeps the recent payments so
 * a duplicate repeats a real order.
 */
export class TrafficGenerator {
  /** The pool, each payer created the first time it pays: a pool of millions costs only the payers met. */
  private readonly payers: (Payer | undefined)[];
  /** Payers who paid so far, in the order they first did. */
  private readonly met: Payer[] = [];
  private readonly categories: string[];
  private readonly recent: PaymentSucceeded[] = [];
  private readonly sent: WebhookEvent[] = [];
  private readonly followUps: Made[] = [];
  private readonly payerById = new Map<string, Payer>();
  private lastOccurredMs = 0;

  private readonly catalogue: readonly Product[];
  private readonly mix: TrafficMix;
  private readonly merchantId: string;
  private readonly clock: () => number;
  private readonly random: Random;
  /** Replays this traffic: print it with any failure that used it. */
  readonly seed: number;

  constructor(options: TrafficOptions = {}) {
    this.mix = options.mix ?? DEFAULT_MIX;
    this.merchantId = options.merchantId ?? 'm_cardshop';
    this.clock = options.clock ?? Date.now;
    this.seed = options.seed ?? freshSeed();
    this.random = new Random(this.seed);
    this.catalogue = CATALOGUES[options.catalogue ?? 'zh'];
    this.categories = purchaseCategories(this.catalogue);
    this.payers = new Array<Payer | undefined>(options.payers ?? 5_000);
  }

  private anyPayer(): Payer {
    const index = this.random.int(0, this.payers.length - 1);
    let payer = this.payers[index];
    if (!payer) {
      payer = {
        payerId: payerIdOf(this.random, index),
        account: String(8_000_000_000 + this.random.int(0, 999_999_998)),
        usual: this.random.pick(this.categories),
        categories: new Map<string, number>(),
        paidAccounts: new Set<string>(),
      };
      this.payers[index] = payer;
      this.met.push(payer);
      this.payerById.set(payer.payerId, payer);
    }
    return payer;
  }

  next(): Generated {
    const generated = labelled(this.followUps.shift() ?? this.fresh());
    const { event } = generated;
    if (event.type === 'payment.succeeded' && event.data.recipientAccount !== undefined) this.payerById.get(event.data.payerId)?.paidAccounts.add(event.data.recipientAccount);
    this.sent.push(event);
    if (this.sent.length > 1_000) this.sent.shift();
    if (this.random.chance(this.mix.retry) && this.sent.length > 1) this.followUps.push({ kind: 'retry', event: this.random.pick(this.sent) });
    return generated;
  }

  /**
   * Takes what is still queued behind the last event: a run that stops without sending it
   * may leave a mis-selected product without the correction that shows it was a mistake.
   */
  drain(): Generated[] {
    return this.followUps.splice(0).map(labelled);
  }

  private fresh(): Made {
    const roll = this.random.next();
    let threshold = 0;
    for (const mistake of Object.keys(this.mix.mistakes) as Mistake[]) {
      threshold += this.mix.mistakes[mistake] ?? 0;
      // A mistake repeats or resembles an earlier payment; until there is one, pay normally.
      if (roll < threshold) {
        const generated = this.mistaken(mistake);
        if (generated) return generated;
      }
    }
    return this.remember({ kind: 'payment', event: this.payment() });
  }

  /**
   * Event time that never stands still: a payer's events keep their order even when the sender
   * falls behind and generates a burst within one millisecond, so "before" means before.
   */
  private occurredAt(): string {
    this.lastOccurredMs = Math.max(this.clock(), this.lastOccurredMs + 1);
    return new Date(this.lastOccurredMs).toISOString();
  }

  /** A buyer's habit: cards of their usual category, and phone top-ups. */
  private habitual(payer: Payer): Product {
    return this.random.pick(this.catalogue.filter((product) => product.category === payer.usual || product.kind === 'topup'));
  }

  private payment(overrides: Partial<PaymentSucceeded['data']> = {}, payer = this.anyPayer(), product = this.habitual(payer)): PaymentSucceeded {
    const quantity = this.random.chance(0.9) ? 1 : this.random.int(2, 5);
    payer.categories.set(product.category, (payer.categories.get(product.category) ?? 0) + 1);
    const id = this.random.hex(12);
    return {
      id: `evt_${id}`,
      type: 'payment.succeeded',
      occurredAt: this.occurredAt(),
      data: {
        paymentId: `pay_${id}`,
        orderId: `ord_${id}`,
        payerId: payer.payerId,
        merchantId: this.merchantId,
        kind: product.kind,
        sku: product.sku,
        category: product.category,
        quantity,
        unitPrice: product.unitPrice,
        amount: product.unitPrice * quantity,
        currency: 'CNY',
        recipientAccount: payer.account,
        recipientVerified: true,
        channel: this.random.pick(CHANNELS),
        ...overrides,
      },
    };
  }

  /** A planted mistake, or undefined while the traffic so far has nothing it could repeat or resemble. */
  private mistaken(mistake: Mistake): Made | undefined {
    if (mistake === 'product') return this.misselected();
    // The detector watches recipients of top-ups and transfers: a card's account is the buyer's own.
    const candidates = mistake === 'recipient' ? this.recent.filter((payment) => payment.data.kind !== 'purchase') : this.recent;
    if (mistake !== 'amount' && candidates.length === 0) return undefined;
    const original = this.random.pick(candidates);
    const id = this.random.hex(12);
    const again = (data: Partial<PaymentSucceeded['data']>): PaymentSucceeded => ({
      ...original,
      id: `evt_${id}`,
      occurredAt: this.occurredAt(),
      data: { ...original.data, paymentId: `pay_${id}`, ...data },
    });
    switch (mistake) {
      case 'duplicate':
        return { kind: mistake, event: again({}) };
      case 'amount': {
        // A digit slip: ten times the price charged, the unit price as listed.
        const slipped = this.payment({ quantity: 1 });
        slipped.data.amount = (slipped.data.unitPrice ?? 100) * 10;
        return this.remember({ kind: mistake, event: slipped }, false);
      }
      case 'recipient': {
        const typed = mistypeUnpaid(this.random, original.data.recipientAccount ?? '8000000000', this.payerById.get(original.data.payerId)?.paidAccounts ?? new Set());
        return typed === undefined ? undefined : { kind: mistake, event: again({ orderId: `ord_${id}`, recipientAccount: typed, recipientVerified: false }) };
      }
    }
  }

  /**
   * A mis-selected product: a payer with a usual category buys a card of about the same price
   * in a category they never bought, then, a moment later, the card they meant. The
   * first purchase is the mistake.
   */
  private misselected(): Made | undefined {
    for (const payer of this.met) {
      for (const [category, count] of payer.categories) {
        if (count < USUAL_PURCHASES) continue;
        const avoid = new Set(payer.categories.keys());
        const intended = this.catalogue.find((product) => product.category === category && product.kind === 'purchase' && twinOf(this.catalogue, product, avoid) !== undefined);
        const wrong = intended && twinOf(this.catalogue, intended, avoid);
        if (!intended || !wrong) continue;
        const mistake = this.payment({ quantity: 1, amount: wrong.unitPrice }, payer, wrong);
        const correction = this.payment({ quantity: 1, amount: intended.unitPrice }, payer, intended);
        // Next out, ahead of anything queued: a mistake waits for nothing but its correction.
        this.followUps.unshift({ kind: 'payment', event: correction });
        return { kind: 'product', event: mistake };
      }
    }
    return undefined;
  }

  private remember(generated: Made, keep = true): Made {
    const event = generated.event;
    if (event.type !== 'payment.succeeded') return generated;
    if (keep) {
      this.recent.push(event);
      if (this.recent.length > 500) this.recent.shift();
    }
    if (event.data.kind === 'purchase' && this.random.chance(this.mix.delivered)) {
      const id = this.random.hex(12);
      this.followUps.push({
        kind: 'delivered',
        event: {
          id: `evt_${id}`,
          type: 'order.delivered',
          occurredAt: this.occurredAt(),
          data: { orderId: event.data.orderId, payerId: event.data.payerId, paymentId: event.data.paymentId },
        },
      });
    }
    return generated;
  }
}

/** Parses "duplicate=0.02,amount=0.01" into mistake shares. */
export function parseMistakes(text: string): Partial<Record<Mistake, number>> {
  const shares: Partial<Record<Mistake, number>> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const [name, value] = part.split('=');
    if (!MISTAKES.includes(name as Mistake)) throw new Error(`unknown mistake "${name}"; one of ${MISTAKES.join(', ')}`);
    const share = Number(value);
    if (!(share >= 0 && share <= 1)) throw new Error(`share of ${name} must be between 0 and 1`);
    shares[name as Mistake] = share;
  }
  return shares;
}
