import { randomBytes } from 'node:crypto';
import type { PaymentSucceeded, WebhookEvent } from '@backstop/contracts';

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

interface Product {
  sku: string;
  category: string;
  unitPrice: number;
  /** A neighbouring product a buyer picks by mistake. */
  lookalike: string;
}

const CATALOG: Product[] = [
  { sku: 'genshin-welkin-30d', category: 'game-card', unitPrice: 3000, lookalike: 'genshin-crystals-6480' },
  { sku: 'genshin-crystals-6480', category: 'game-card', unitPrice: 64800, lookalike: 'genshin-welkin-30d' },
  { sku: 'honor-kings-tokens-60', category: 'game-card', unitPrice: 600, lookalike: 'honor-kings-tokens-600' },
  { sku: 'honor-kings-tokens-600', category: 'game-card', unitPrice: 6000, lookalike: 'honor-kings-tokens-60' },
  { sku: 'steam-wallet-100', category: 'gift-card', unitPrice: 10000, lookalike: 'steam-wallet-1000' },
  { sku: 'steam-wallet-1000', category: 'gift-card', unitPrice: 100000, lookalike: 'steam-wallet-100' },
  { sku: 'mobile-topup-50', category: 'phone-credit', unitPrice: 5000, lookalike: 'mobile-topup-500' },
  { sku: 'mobile-topup-500', category: 'phone-credit', unitPrice: 50000, lookalike: 'mobile-topup-50' },
];
const CHANNELS = ['alipay', 'wechatpay', 'unionpay'];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const token = () => randomBytes(6).toString('hex');

/** One account digit off: the classic slip when typing a game id or a phone number. */
function nearMiss(account: string): string {
  const position = Math.floor(Math.random() * account.length);
  const digit = (Number(account[position]) + 1 + Math.floor(Math.random() * 8)) % 10;
  return account.slice(0, position) + String(digit) + account.slice(position + 1);
}

export interface Generated {
  kind: SentKind;
  event: WebhookEvent;
}

/**
 * Realistic traffic for one platform: a population of payers who buy cards for their own
 * accounts, with the configured share of each mistake mixed in. Keeps the recent payments so
 * a duplicate repeats a real order.
 */
export class TrafficGenerator {
  private readonly payers: { payerId: string; account: string }[];
  private readonly recent: PaymentSucceeded[] = [];
  private readonly sent: WebhookEvent[] = [];
  private readonly followUps: Generated[] = [];

  constructor(
    private readonly mix: TrafficMix,
    payerCount = 5_000,
    private readonly merchantId = 'm_cardshop',
  ) {
    this.payers = Array.from({ length: payerCount }, (_, index) => ({
      payerId: `u_${index.toString(36)}_${token().slice(0, 4)}`,
      account: String(8_000_000_000 + Math.floor(Math.random() * 999_999_999)),
    }));
  }

  next(): Generated {
    const generated = this.followUps.shift() ?? this.fresh();
    this.sent.push(generated.event);
    if (this.sent.length > 1_000) this.sent.shift();
    if (Math.random() < this.mix.retry && this.sent.length > 1) this.followUps.push({ kind: 'retry', event: pick(this.sent) });
    return generated;
  }

  private fresh(): Generated {
    const roll = Math.random();
    let threshold = 0;
    for (const mistake of Object.keys(this.mix.mistakes) as Mistake[]) {
      threshold += this.mix.mistakes[mistake] ?? 0;
      // A mistake repeats or resembles an earlier payment; until there is one, pay normally.
      if (roll < threshold && (mistake === 'amount' || this.recent.length > 0)) return this.mistaken(mistake);
    }
    return this.remember({ kind: 'payment', event: this.payment() });
  }

  private payment(overrides: Partial<PaymentSucceeded['data']> = {}): PaymentSucceeded {
    const payer = pick(this.payers);
    const product = pick(CATALOG);
    const quantity = Math.random() < 0.9 ? 1 : 2 + Math.floor(Math.random() * 4);
    const id = token();
    return {
      id: `evt_${id}`,
      type: 'payment.succeeded',
      occurredAt: new Date().toISOString(),
      data: {
        paymentId: `pay_${id}`,
        orderId: `ord_${id}`,
        payerId: payer.payerId,
        merchantId: this.merchantId,
        kind: product.category === 'phone-credit' ? 'topup' : 'purchase',
        sku: product.sku,
        category: product.category,
        quantity,
        unitPrice: product.unitPrice,
        amount: product.unitPrice * quantity,
        currency: 'CNY',
        recipientAccount: payer.account,
        recipientVerified: true,
        channel: pick(CHANNELS),
        ...overrides,
      },
    };
  }

  private mistaken(mistake: Mistake): Generated {
    const original = this.recent.length > 0 ? pick(this.recent) : this.payment();
    const id = token();
    const again = (data: Partial<PaymentSucceeded['data']>): PaymentSucceeded => ({
      ...original,
      id: `evt_${id}`,
      occurredAt: new Date().toISOString(),
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
      case 'recipient':
        return { kind: mistake, event: again({ orderId: `ord_${id}`, recipientAccount: nearMiss(original.data.recipientAccount ?? '8000000000'), recipientVerified: false }) };
      case 'product': {
        const product = CATALOG.find((candidate) => candidate.sku === original.data.sku) ?? CATALOG[0]!;
        const lookalike = CATALOG.find((candidate) => candidate.sku === product.lookalike)!;
        return {
          kind: mistake,
          event: again({ orderId: `ord_${id}`, sku: lookalike.sku, unitPrice: lookalike.unitPrice, amount: lookalike.unitPrice * original.data.quantity }),
        };
      }
    }
  }

  private remember(generated: Generated, keep = true): Generated {
    const event = generated.event;
    if (event.type !== 'payment.succeeded') return generated;
    if (keep) {
      this.recent.push(event);
      if (this.recent.length > 500) this.recent.shift();
    }
    if (event.data.kind === 'purchase' && Math.random() < this.mix.delivered) {
      const id = token();
      this.followUps.push({
        kind: 'delivered',
        event: {
          id: `evt_${id}`,
          type: 'order.delivered',
          occurredAt: new Date().toISOString(),
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
