import { describe, expect, it } from 'vitest';
import { amountMismatch, WebhookEvent, type PaymentData } from '@backstop/contracts';
import { singleEdit } from '@backstop/detection';
import { seedForFile } from '../file-seed';
import { DEFAULT_MIX, parseMistakes, TrafficGenerator, type SentKind } from './traffic';

// Shares and counts below hold for nearly every seed: a failure says the one that replays it.
const seeds = seedForFile();

describe('TrafficGenerator', () => {
  const generate = (count: number, generator: TrafficGenerator) => Array.from({ length: count }, () => generator.next());

  it('only produces events the contract accepts', () => {
    const generator = new TrafficGenerator({ mix: { mistakes: { duplicate: 0.1, amount: 0.1, recipient: 0.1, product: 0.1 }, delivered: 0.5, retry: 0.05 }, payers: 200, seed: seeds.nextRun() });
    for (const { event } of generate(2_000, generator)) expect(WebhookEvent.safeParse(event).success).toBe(true);
  });

  it("speaks the shop's own language by default: Chinese skus, categories and some payers' user names, which the contract keeps unchanged", () => {
    const payments = generate(500, new TrafficGenerator({ mix: DEFAULT_MIX, payers: 30, seed: seeds.nextRun() })).map(({ event }) => event).filter((event) => event.type === 'payment.succeeded');
    const han = /\p{Script=Han}/u;
    for (const event of payments) expect(['游戏点卡', '礼品卡', '话费充值']).toContain(event.data.category);
    expect(payments.some((event) => event.data.sku === 'Steam Wallet 100' || event.data.sku === '腾讯Q币-100')).toBe(true);
    expect(payments.some((event) => han.test(event.data.payerId))).toBe(true);
    for (const event of payments) expect(WebhookEvent.parse(event)).toEqual(event);
    const english = generate(200, new TrafficGenerator({ mix: DEFAULT_MIX, payers: 30, catalogue: 'en', seed: seeds.nextRun() })).map(({ event }) => event);
    expect(english.some((event) => event.type === 'payment.succeeded' && event.data.category === 'game-card')).toBe(true);
  });

  it('mixes in each mistake at about its share', () => {
    const generator = new TrafficGenerator({ mix: { mistakes: { duplicate: 0.2, amount: 0.1 }, delivered: 0, retry: 0 }, payers: 200, seed: seeds.nextRun() });
    const kinds = new Map<SentKind, number>();
    for (const { kind } of generate(5_000, generator)) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    expect(kinds.get('duplicate')! / 5_000).toBeGreaterThan(0.15);
    expect(kinds.get('duplicate')! / 5_000).toBeLessThan(0.25);
    expect(kinds.get('amount')! / 5_000).toBeGreaterThan(0.06);
    expect(kinds.get('amount')! / 5_000).toBeLessThan(0.14);
    expect(kinds.has('recipient')).toBe(false);
  });

  it('labels each planted mistake with the flag it should raise, and nothing else with any', () => {
    const generator = new TrafficGenerator({ mix: { mistakes: { duplicate: 0.05, amount: 0.05, recipient: 0.05, product: 0.05 }, delivered: 0.3, retry: 0.05 }, payers: 40, seed: seeds.nextRun() });
    const orders = new Set<string>();
    const accounts = new Map<string, Set<string>>();
    const labelled = new Map<string, number>();
    for (const { kind, event, expected } of [...generate(3_000, generator), ...generator.drain()]) {
      if (kind === 'payment' || kind === 'delivered' || kind === 'retry') expect(expected).toEqual([]);
      else expect(expected).toHaveLength(1);
      if (event.type !== 'payment.succeeded' || kind === 'retry') continue;
      const data: PaymentData = event.data;
      const paidTo = accounts.get(data.payerId) ?? new Set<string>();
      for (const flag of expected) labelled.set(flag, (labelled.get(flag) ?? 0) + 1);
      // What each label promises, read from the traffic itself.
      if (expected.includes('duplicate.exact')) expect(orders.has(data.orderId)).toBe(true);
      if (expected.includes('recipient.near_miss')) expect([...paidTo].some((account) => singleEdit(data.recipientAccount!, account) !== undefined)).toBe(true);
      if (expected.includes('amount.digit_slip')) expect(data.amount).toBe(10 * data.unitPrice!);
      orders.add(data.orderId);
      if (data.recipientAccount !== undefined) accounts.set(data.payerId, paidTo.add(data.recipientAccount));
    }
    expect([...labelled.keys()].sort()).toEqual(['amount.digit_slip', 'duplicate.exact', 'product.misselected', 'recipient.near_miss']);
  });

  it('makes each mistake look like the real one', () => {
    const generator = new TrafficGenerator({ mix: { mistakes: { duplicate: 0.25, amount: 0.25, recipient: 0.25, product: 0.25 }, delivered: 0, retry: 0 }, payers: 50, seed: seeds.nextRun() });
    const sent = generate(400, generator);
    const payments = sent.map(({ event }) => event).filter((event) => event.type === 'payment.succeeded');
    for (const { kind, event } of sent) {
      if (event.type !== 'payment.succeeded') continue;
      const { data } = event;
      if (kind === 'amount') expect(amountMismatch(data)).toBe(true);
      if (kind === 'duplicate') {
        const original = payments.find((other) => other.id !== event.id && other.data.orderId === data.orderId);
        expect(original?.data.amount).toBe(data.amount);
      }
      if (kind === 'recipient') {
        expect(data.recipientVerified).toBe(false);
        expect(data.kind).not.toBe('purchase');
      }
    }
  });

  it('plants a mis-selected product: a never-bought category, then the usual one for a similar amount', () => {
    const generator = new TrafficGenerator({ mix: { mistakes: { product: 0.1 }, delivered: 0, retry: 0 }, payers: 50, seed: seeds.nextRun() });
    const sent = generate(2_000, generator).filter(({ event }) => event.type === 'payment.succeeded');
    const planted = sent.flatMap(({ kind }, index) => (kind === 'product' ? [index] : []));
    expect(planted.length).toBeGreaterThan(5);
    for (const index of planted) {
      const mistake = sent[index]!.event as Extract<WebhookEvent, { type: 'payment.succeeded' }>;
      const correction = sent[index + 1]!.event as Extract<WebhookEvent, { type: 'payment.succeeded' }>;
      const earlier = sent.slice(0, index).map(({ event }) => event as Extract<WebhookEvent, { type: 'payment.succeeded' }>).filter((event) => event.data.payerId === mistake.data.payerId);
      expect(correction.data.payerId).toBe(mistake.data.payerId);
      expect([mistake.data.kind, correction.data.kind]).toEqual(['purchase', 'purchase']);
      expect(Date.parse(correction.occurredAt)).toBeGreaterThan(Date.parse(mistake.occurredAt));
      expect(Math.max(mistake.data.amount, correction.data.amount) / Math.min(mistake.data.amount, correction.data.amount)).toBeLessThanOrEqual(1.25);
      expect(earlier.some((event) => event.data.category === mistake.data.category)).toBe(false);
      const usualBefore = earlier.filter((event) => event.data.category === correction.data.category && event.data.kind === 'purchase' && Date.parse(event.occurredAt) < Date.parse(mistake.occurredAt));
      expect(usualBefore.length).toBeGreaterThanOrEqual(3);
    }
  });

  it('gives every event a later time than the one before, even when generated in one burst', () => {
    const generator = new TrafficGenerator({ mix: { mistakes: { duplicate: 0.1, amount: 0.1, recipient: 0.1, product: 0.1 }, delivered: 0.5, retry: 0 }, payers: 20, seed: seeds.nextRun() });
    const times = generate(3_000, generator).map(({ event }) => Date.parse(event.occurredAt));
    times.slice(1).forEach((time, index) => expect(time).toBeGreaterThan(times[index]!));
  });

  it('plants a wrong recipient only on an account the payer never paid, however many slips they made', () => {
    // Few payers and many slips: without care, a second slip lands on the account of a first.
    const generator = new TrafficGenerator({ mix: { mistakes: { recipient: 0.3 }, delivered: 0, retry: 0 }, payers: 5, seed: seeds.nextRun() });
    const paid = new Map<string, Set<string>>();
    let planted = 0;
    for (const { kind, event } of generate(3_000, generator)) {
      if (event.type !== 'payment.succeeded' || event.data.recipientAccount === undefined) continue;
      const accounts = paid.get(event.data.payerId) ?? new Set<string>();
      if (kind === 'recipient') {
        planted += 1;
        expect(accounts.has(event.data.recipientAccount)).toBe(false);
      }
      paid.set(event.data.payerId, accounts.add(event.data.recipientAccount));
    }
    expect(planted).toBeGreaterThan(100);
  });

  it('sends a correction right after its mistake, and hands it over when the run stops in between', () => {
    const generator = new TrafficGenerator({ mix: { mistakes: { product: 0.2 }, delivered: 0.5, retry: 0.05 }, payers: 20, seed: seeds.nextRun() });
    let last = generator.next();
    while (last.kind !== 'product') last = generator.next();
    const [correction] = generator.drain();
    expect(correction?.kind).toBe('payment');
    expect(correction!.event.data.payerId).toBe(last.event.data.payerId);
    expect(Date.parse(correction!.event.occurredAt)).toBeGreaterThan(Date.parse(last.event.occurredAt));
    expect(generator.drain()).toEqual([]);
  });

  it('re-sends an earlier event unchanged as a retry', () => {
    const generator = new TrafficGenerator({ mix: { mistakes: {}, delivered: 0, retry: 0.3 }, payers: 50, seed: seeds.nextRun() });
    const sent = generate(300, generator);
    const retries = sent.filter(({ kind }) => kind === 'retry');
    expect(retries.length).toBeGreaterThan(0);
    for (const retry of retries) expect(sent.find(({ kind, event }) => kind !== 'retry' && event.id === retry.event.id)?.event).toEqual(retry.event);
  });
});

describe('parseMistakes', () => {
  it('reads shares and refuses unknown names or shares outside 0..1', () => {
    expect(parseMistakes('duplicate=0.02,amount=0.01')).toEqual({ duplicate: 0.02, amount: 0.01 });
    expect(() => parseMistakes('typo=0.1')).toThrow(/unknown mistake/);
    expect(() => parseMistakes('duplicate=2')).toThrow(/between 0 and 1/);
  });

  it('gives the same traffic for the same seed, times aside, and other traffic for another', () => {
    const run = (seed: number) => {
      const generator = new TrafficGenerator({ mix: DEFAULT_MIX, payers: 40, seed });
      return Array.from({ length: 400 }, () => generator.next()).map(({ kind, event }) => ({ kind, event: { ...event, occurredAt: '' } }));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(8)).not.toEqual(run(7));
    expect(new TrafficGenerator({ seed: 7 }).seed).toBe(7);
    expect(Number.isInteger(new TrafficGenerator().seed)).toBe(true);
  });
});
